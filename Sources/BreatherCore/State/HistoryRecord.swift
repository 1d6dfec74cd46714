import Foundation

/// One finished break, as a line of `history.jsonl`.
public struct HistoryRecord: Hashable, Sendable, Codable {
    public enum Outcome: String, Hashable, Sendable, Codable {
        /// `breather back`: the person checked in.
        case back
        /// `breather cancel`: ended without a check-in message.
        case cancelled
    }

    public var breakId: String
    public var plan: String
    public var startedAt: Date
    /// The check-in promised when the break started.
    public var promisedAt: Date
    /// The check-in in force at the end, after every extension.
    public var checkinAt: Date
    public var endedAt: Date
    public var outcome: Outcome
    public var extensions: Int
    public var note: String?
    /// The due times of messages a partner's server held that could not be taken back before
    /// their time, so the partner may have received them after the break ended (nil: none).
    /// Found after the break ended, they come as a later record of the same break.
    public var notTakenBack: [Date]?
    /// The partner's answers to this break, oldest first (nil: none). One within the hour
    /// after the end comes as a later record of the same break.
    public var answers: [AnswerEntry]?

    public init(
        breakId: String, plan: String, startedAt: Date, promisedAt: Date, checkinAt: Date, endedAt: Date,
        outcome: Outcome, extensions: Int, note: String?
    ) {
        self.breakId = breakId
        self.plan = plan
        self.startedAt = startedAt
        self.promisedAt = promisedAt
        self.checkinAt = checkinAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.extensions = extensions
        self.note = note
    }

    /// Seconds past the check-in in force; 0 when on time.
    public var lateSeconds: Double {
        max(0, endedAt.timeIntervalSince(checkinAt))
    }

    /// Back at or before the check-in in force (a minute's grace is not given: a promise is a time).
    public var onTime: Bool {
        outcome == .back && endedAt <= checkinAt
    }
}
