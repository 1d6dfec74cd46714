import Foundation

/// Builds the HTTP request a channel's preset asks for. Pure: the same delivery, settings
/// and time give the same bytes, which the golden tests hold.
public enum PresetRequest {
    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The title services that show one get: calm, and the same for every message.
    public static let title = "Breather"

    /// `answerTopic`: where an ntfy channel's answer buttons publish (its `answers_url`, and
    /// the token of `answers_token_file`); nil for every other channel.
    public static func build(
        _ delivery: Delivery, preset: Webhook.Preset, url: String, token: String?, timeout: Span, sentAt: Date,
        answerTopic: AnswerTopic? = nil
    ) throws(PresetRequest.Error) -> HTTPRequest {
        let seconds = Double(timeout.seconds)
        switch preset {
        case .json:
            return JSONPreset.request(for: delivery, url: url, token: token, timeout: timeout, sentAt: sentAt)
        case .ntfy:
            return try NtfyPreset.request(
                for: delivery, url: url, token: token, timeout: seconds, answerTopic: answerTopic)
        case .slack:
            return ChatPreset.request(for: delivery, url: url, field: "text", timeout: seconds)
        case .discord:
            return ChatPreset.request(for: delivery, url: url, field: "content", timeout: seconds)
        case .matrix:
            return try MatrixPreset.request(for: delivery, url: url, token: token, timeout: seconds)
        case .telegram:
            return try TelegramPreset.request(for: delivery, url: url, timeout: seconds)
        case .gotify:
            return try GotifyPreset.request(for: delivery, url: url, token: token, timeout: seconds)
        }
    }

    static func headers(json: Bool = true, delivery: Delivery) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if json { headers.append(("Content-Type", "application/json")) }
        headers.append(("Idempotency-Key", delivery.id))
        headers.append(("User-Agent", "breather/\(BreatherVersion.current)"))
        return headers
    }
}
