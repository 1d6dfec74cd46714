import Foundation

/// One line of ntfy's JSON stream (`GET …/<topic>/json?poll=1&since=…`): what the matching
/// rules need of it.
public struct NtfyMessage: Hashable, Sendable {
    public var id: String
    /// `time`: when the server received it (whole seconds).
    public var at: Date
    /// `message`, `open`, `keepalive`, `poll_request`, …
    public var event: String
    /// The text; for a button press, what the button carries.
    public var message: String?

    public init(id: String, at: Date, event: String = "message", message: String?) {
        self.id = id
        self.at = at
        self.event = event
        self.message = message
    }
}
