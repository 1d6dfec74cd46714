import Foundation

/// A break as it ended: what a reply and the history say about it.
public struct EndedBreak: Hashable, Sendable {
    public var `break`: Break
    public var endedAt: Date
    public var outcome: HistoryRecord.Outcome

    public init(break: Break, endedAt: Date, outcome: HistoryRecord.Outcome) {
        self.break = `break`
        self.endedAt = endedAt
        self.outcome = outcome
    }

    /// Seconds past the check-in in force; zero or less when on time.
    public var lateSeconds: Double {
        endedAt.timeIntervalSince(`break`.checkinAt)
    }
}
