import Foundation

/// A break that ended less than `AnswerableBreak.window` ago: answers may still come for it
/// ("one that arrives within the hour after the break ended belongs to that break").
public struct AnswerWindow: Hashable, Sendable, Codable {
    /// The break as it ended, with its key, its Matrix messages and its answers so far.
    public var `break`: Break
    public var endedAt: Date
    /// Its history record: written again, with the new answer, for each late one (the later
    /// record of a break replaces the earlier when history is read).
    public var record: HistoryRecord

    public init(break: Break, endedAt: Date, record: HistoryRecord) {
        self.break = `break`
        self.endedAt = endedAt
        self.record = record
    }

    /// When the hour ends: what the service received after it answers nothing.
    public var closesAt: Date { endedAt.addingTimeInterval(AnswerableBreak.window) }
    /// When reading for it stops: a while after the hour, so that an answer given in its last
    /// minute, but not yet read (ntfy is polled every half-minute then, a Matrix long poll may
    /// be under way), is still read. The hour itself is judged by the service's clock.
    public var readUntil: Date { closesAt.addingTimeInterval(AnswerWindow.readGrace) }
    public static let readGrace: TimeInterval = 120
}
