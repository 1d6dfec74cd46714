import Foundation

/// What the matching rules need to know of a break that answers may still attach to: the
/// running one, or one that ended less than `AnswerableBreak.window` ago.
public struct AnswerableBreak: Hashable, Sendable {
    /// How long after its end a break still takes answers.
    public static let window: TimeInterval = 3600
    /// How far a service's clock may run behind this computer's before an answer counts as
    /// older than the message it answers.
    public static let clockSkew: TimeInterval = 60

    public var breakId: String
    /// The per-break secret every answer button carries (nil: the break offered no buttons).
    public var key: String?
    /// The words the plan agreed; a button with other words is not the partner's.
    public var agreedAnswers: [String]
    public var startedAt: Date
    /// Nil while the break runs.
    public var endedAt: Date?
    /// Matrix: the event id each of Breather's messages of this break got, and when it was sent.
    public var messageEvents: [String: Date]
    /// The ids of the answers already kept for this break.
    public var answered: Set<String>

    public init(
        breakId: String, key: String? = nil, agreedAnswers: [String] = [], startedAt: Date, endedAt: Date? = nil,
        messageEvents: [String: Date] = [:], answered: Set<String> = []
    ) {
        self.breakId = breakId
        self.key = key
        self.agreedAnswers = agreedAnswers
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.messageEvents = messageEvents
        self.answered = answered
    }

    /// Whether answers are still read for this break at `now`: while it runs and for the hour after.
    public func isOpen(now: Date) -> Bool {
        guard let endedAt else { return true }
        return now.timeIntervalSince(endedAt) < Self.window
    }

    /// Whether something the service received at `at` may still answer this break.
    func isWithinTheHour(_ at: Date) -> Bool {
        guard let endedAt else { return true }
        return at.timeIntervalSince(endedAt) < Self.window
    }
}
