import Foundation

/// What a service's answer to a hold step means. Pure, and free of secrets: no sentence here
/// repeats a URL, a token or a `delay_id`.
public enum HoldAnswer {
    public static func classify(
        _ outcome: HTTPOutcome, step: HoldStep, preset: Webhook.Preset, heldLater: Bool, now: Date
    ) -> AttemptResult {
        guard case .response(let status, _, let body) = outcome else {
            return RetryPolicy.classify(outcome, now: now)
        }
        let success = (200..<300).contains(status)
        switch (preset, step) {
        case (.ntfy, .handOff):
            if success { return heldLater ? .held(handle: nil) : .delivered(detail: "HTTP \(status)") }
            if status == 404 {
                return .cannotHold(reason: "it has no sequence ids, which came with ntfy 2.16")
            }
        case (.ntfy, .cancel):
            if status == 404 { return .delivered(detail: "it held nothing under that id") }
        case (.matrix, .handOff):
            if success {
                let answer = jsonObject(body)
                if let handle = answer?["delay_id"] as? String, !handle.isEmpty {
                    return .held(handle: handle)
                }
                if answer?["event_id"] is String {
                    return .delivered(detail: "HTTP \(status); the server sent it at once instead of holding it")
                }
                return .failed(
                    reason: "The server's answer to the hand-off named no held message.", retryable: false,
                    retryAfter: nil)
            }
            // Too long a delay for this server is about this message only: it is sent from
            // here, and the channel goes on holding the others.
            let specific = jsonObject(body)?["org.matrix.msc4140.errcode"] as? String
            if specific == "M_MAX_DELAY_EXCEEDED" || errcode(body) == "M_MAX_DELAY_EXCEEDED" {
                return .failed(
                    reason: "The server holds messages for a shorter time than this one needs.", retryable: false,
                    retryAfter: nil)
            }
            if errcode(body) == "M_UNRECOGNIZED" {
                return .cannotHold(reason: "it answers M_UNRECOGNIZED to a delayed event")
            }
        case (.matrix, .release):
            if status == 404, errcode(body) == "M_NOT_FOUND" {
                return .delivered(detail: "the server had sent it at its time already")
            }
        case (.matrix, .cancel):
            if status == 404, errcode(body) == "M_NOT_FOUND" {
                return .delivered(detail: "it was no longer held")
            }
        default:
            break
        }
        return RetryPolicy.classify(outcome, now: now)
    }

    /// Whether a Matrix server's answer to a release or a cancel says it does not know the
    /// endpoint, so the older form is worth trying.
    public static func matrixWantsLegacyForm(_ outcome: HTTPOutcome) -> Bool {
        guard case .response(let status, _, let body) = outcome else { return false }
        return [400, 404, 405].contains(status) && errcode(body) == "M_UNRECOGNIZED"
    }

    /// For `GET /_matrix/client/versions`: true when the server lists delayed events
    /// (`org.matrix.msc4140`), false when it answered without them, nil when it did not answer.
    public static func matrixHoldsMessages(_ outcome: HTTPOutcome) -> Bool? {
        guard case .response(let status, _, let body) = outcome else { return nil }
        guard (200..<300).contains(status) else {
            // Busy or down is no answer; anything else is a server without the feature.
            return (500..<600).contains(status) || [408, 425, 429].contains(status) ? nil : false
        }
        let features = jsonObject(body)?["unstable_features"] as? [String: Any]
        return (features?["org.matrix.msc4140"] as? Bool) == true
    }

    private static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    private static func errcode(_ body: [UInt8]) -> String? {
        jsonObject(body)?["errcode"] as? String
    }
}
