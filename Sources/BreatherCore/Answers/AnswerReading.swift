import Foundation

/// What the daemon should read on one channel for answers, now: where to start, and how
/// eagerly. Made by the machine from its state; the daemon only carries it out.
public struct AnswerReading: Hashable, Sendable {
    public var channel: String
    public var preset: Webhook.Preset
    /// The saved read position (ntfy: the last message id; Matrix: `next_batch`); nil before
    /// the first read of these breaks.
    public var cursor: String?
    /// ntfy without a cursor: read from the start of the earliest break that takes answers.
    public var since: Date
    /// A break runs (read often), or only ended ones are within their hour (read less often).
    public var breakRuns: Bool

    public init(channel: String, preset: Webhook.Preset, cursor: String?, since: Date, breakRuns: Bool) {
        self.channel = channel
        self.preset = preset
        self.cursor = cursor
        self.since = since
        self.breakRuns = breakRuns
    }

    /// Where an ntfy poll starts.
    public var ntfyPosition: AnswerPollRequest.NtfyPosition {
        cursor.map { .after($0) } ?? .since(since)
    }

    /// How long after one ntfy poll the next starts. ntfy's poll returns at once, so this is
    /// what "within seconds" costs: one small request every few seconds while a break runs.
    public var ntfyInterval: TimeInterval { breakRuns ? 5 : 30 }
}
