import Foundation

/// The HTTP requests of holding (`hold_on_server`), for the two services that can: pure, like
/// the presets, so the same step, settings and time give the same bytes.
///
/// ntfy 2.16+: the message is published to `/<topic>/<sequence_id>`; with `At:` it is held,
/// and publishing again with the same sequence id replaces it (a release, without `At:`);
/// `DELETE /<topic>/<sequence_id>` takes it back. An older ntfy has no such path and answers
/// 404, so nothing is ever held by a server that could not then be told to drop it.
///
/// Matrix with delayed events (MSC4140): the message is sent with
/// `?org.matrix.msc4140.delay=<ms>` and the transaction id as its key; the answer's `delay_id`
/// then releases (`…/delayed_events/<delay_id>/send`) or cancels (`…/cancel`) it.
public enum HoldRequest {
    public static let matrixDelayedEvents = "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/"

    public static func build(
        _ delivery: Delivery, preset: Webhook.Preset, url: String, token: String?, timeout: Span, now: Date
    ) throws(PresetRequest.Error) -> HTTPRequest {
        guard let step = delivery.hold else {
            return try PresetRequest.build(
                delivery, preset: preset, url: url, token: token, timeout: timeout, sentAt: now)
        }
        let seconds = Double(timeout.seconds)
        switch preset {
        case .ntfy:
            return try ntfy(step, delivery, url: url, token: token, timeout: seconds, now: now)
        case .matrix:
            return try matrix(step, delivery, url: url, token: token, timeout: seconds, now: now)
        default:
            throw PresetRequest.Error(
                description: "hold_on_server works only with the ntfy and matrix presets; this message is not held.")
        }
    }

    /// Whether a hand-off at `now` asks the service to hold the message (its time is ahead)
    /// or, its time having come, to deliver it at once.
    public static func holdsLater(_ delivery: Delivery, now: Date) -> Bool {
        delivery.dueAt > now
    }

    // MARK: ntfy

    private static func ntfy(
        _ step: HoldStep, _ delivery: Delivery, url: String, token: String?, timeout: Double, now: Date
    ) throws(PresetRequest.Error) -> HTTPRequest {
        guard let split = URLParts(url), let topic = split.lastPathComponent, !topic.isEmpty else {
            throw PresetRequest.Error(
                description:
                    "An ntfy channel's url must end in the topic, such as https://ntfy.example.org/sam-and-alex.")
        }
        let target =
            split.origin + split.parentPath + topic + "/" + URLParts.percentEncode(delivery.holdKey ?? delivery.id)
        var headers = PresetRequest.headers(json: false, delivery: delivery)
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        // A release or a cancel must reach ntfy before its own copy may go out: the attempt
        // ends in time rather than arrive late.
        var timeout = timeout
        if step != .handOff {
            let left = delivery.dueAt.addingTimeInterval(HoldStep.ntfyMargin - 3).timeIntervalSince(now)
            timeout = max(1, min(timeout, left))
        }
        if step == .cancel {
            return HTTPRequest(method: "DELETE", url: target, headers: headers, body: [], timeout: timeout)
        }
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
        headers.append(("Title", PresetRequest.title))
        headers.append(("Priority", delivery.isUrgent ? "4" : "3"))
        headers.append(("Tags", delivery.event.rawValue))
        if step == .handOff, holdsLater(delivery, now: now) {
            // The contract's absolute time. The margin also absorbs a few seconds of difference
            // between this computer's clock and the server's.
            let at = delivery.dueAt.addingTimeInterval(HoldStep.ntfyMargin).timeIntervalSince1970
            headers.append(("At", String(Int(at.rounded(.up)))))
        }
        return HTTPRequest(
            method: "PUT", url: target, headers: headers, body: Array(delivery.message.utf8), timeout: timeout)
    }

    // MARK: Matrix

    private static func matrix(
        _ step: HoldStep, _ delivery: Delivery, url: String, token: String?, timeout: Double, now: Date
    ) throws(PresetRequest.Error) -> HTTPRequest {
        if step == .handOff {
            var request = try PresetRequest.build(
                delivery, preset: .matrix, url: url, token: token, timeout: Span(seconds: Int(timeout)), sentAt: now)
            // Held for the time left; a hand-off whose time has come is held for a moment and
            // released at once, so that an earlier attempt the server did take is not doubled
            // (the transaction id gives back that attempt's answer).
            var delay = max(1, Int((delivery.dueAt.timeIntervalSince(now) * 1000).rounded(.up)))
            // Tried again only to learn the delay_id and cancel it: what lands now, if the
            // first attempt never did, is held long enough for the cancel to come first.
            if delivery.holdOnlyToTakeBack == true { delay = max(delay, 3_600_000) }
            request.url += "?org.matrix.msc4140.delay=\(delay)"
            request.keepsBody = true
            return request
        }
        guard let handle = delivery.holdHandle, !handle.isEmpty else {
            throw PresetRequest.Error(description: "The server never said how to reach the held message.")
        }
        return try matrixAction(
            step == .release ? "send" : "cancel", handle: handle, url: url, token: token,
            timeout: timeout, delivery: delivery)
    }

    /// `POST …/delayed_events/<delay_id>/<action>` with `{}`; `legacy` is the older form some
    /// servers take, `POST …/delayed_events/<delay_id>` with `{"action": …}`.
    public static func matrixAction(
        _ action: String, handle: String, url: String, token: String?, timeout: Double, delivery: Delivery,
        legacy: Bool = false
    ) throws(PresetRequest.Error) -> HTTPRequest {
        let target = try matrixOrigin(url) + matrixDelayedEvents + URLParts.percentEncode(handle)
        var headers = PresetRequest.headers(delivery: delivery)
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let body = legacy ? "{\"action\":\(JSONObjectWriter.quote(action))}" : "{}"
        return HTTPRequest(
            method: "POST", url: legacy ? target : target + "/" + action, headers: headers, body: Array(body.utf8),
            timeout: timeout, keepsBody: true)
    }

    /// `GET /_matrix/client/versions`: whether the server takes delayed events.
    public static func matrixVersions(url: String, timeout: Double) throws(PresetRequest.Error) -> HTTPRequest {
        HTTPRequest(
            method: "GET", url: try matrixOrigin(url) + "/_matrix/client/versions",
            headers: [("User-Agent", "breather/\(BreatherVersion.current)")], body: [], timeout: timeout,
            keepsBody: true)
    }

    /// The server's address: the room URL up to `/_matrix/`.
    static func matrixOrigin(_ url: String) throws(PresetRequest.Error) -> String {
        guard let range = url.range(of: "/_matrix/") else {
            throw PresetRequest.Error(
                description:
                    "A matrix channel's url must be the room's address, such as https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org."
            )
        }
        return String(url[..<range.lowerBound])
    }
}
