import Foundation

/// What `breather status --json` prints: `{"active": false, "retrying": []}` or the running
/// break with its pending reminders, plus the deliveries waiting for another attempt.
public struct StatusReport: Hashable, Sendable, Codable {
    public var active: Bool
    public var `break`: BreakStatus?
    public var retrying: [RetryingDelivery]
    /// Held messages of an ended or moved break that their service could not be told to drop
    /// before their time: the partner may still receive them. Nil when there are none.
    public var notTakenBack: [NotTakenBack]?

    public init(active: Bool, break: BreakStatus?, retrying: [RetryingDelivery], notTakenBack: [NotTakenBack]? = nil) {
        self.active = active
        self.break = `break`
        self.retrying = retrying
        self.notTakenBack = notTakenBack
    }

    /// A held message that could not be taken back in time.
    public struct NotTakenBack: Hashable, Sendable, Codable {
        public var event: Event
        public var channel: String
        public var dueAt: Date

        public init(event: Event = .reminder, channel: String, dueAt: Date) {
            self.event = event
            self.channel = channel
            self.dueAt = dueAt
        }
    }

    public struct BreakStatus: Hashable, Sendable, Codable {
        public var id: String
        public var plan: String
        public var startedAt: Date
        public var checkinAt: Date
        /// How many times the check-in was moved.
        public var extensions: Int
        public var pending: [PendingReminder]
        public var partner: String
        public var note: String?
        /// The partner's answers so far, oldest first (nil: none).
        public var answers: [AnswerEntry]?

        public init(
            id: String, plan: String, startedAt: Date, checkinAt: Date, extensions: Int, pending: [PendingReminder],
            partner: String, note: String?, answers: [AnswerEntry]? = nil
        ) {
            self.answers = answers
            self.id = id
            self.plan = plan
            self.startedAt = startedAt
            self.checkinAt = checkinAt
            self.extensions = extensions
            self.pending = pending
            self.partner = partner
            self.note = note
        }
    }

    /// A reminder of the plan that is not yet due.
    public struct PendingReminder: Hashable, Sendable, Codable {
        public var event: Event
        public var offsetSeconds: Int
        public var dueAt: Date
        public var to: [String]
        /// The channels of `to` whose service holds it for its time (nil: none), so it
        /// reaches the partner even if this computer sleeps.
        public var heldBy: [String]?

        public init(event: Event = .reminder, offsetSeconds: Int, dueAt: Date, to: [String], heldBy: [String]? = nil) {
            self.event = event
            self.offsetSeconds = offsetSeconds
            self.dueAt = dueAt
            self.to = to
            self.heldBy = heldBy
        }
    }

    /// A delivery that failed and waits for another attempt.
    public struct RetryingDelivery: Hashable, Sendable, Codable {
        public var deliveryId: String
        public var event: Event
        public var channel: String
        public var attempts: Int
        public var nextAttemptAt: Date
        public var expiresAt: Date
        public var lastError: String?

        public init(
            deliveryId: String, event: Event, channel: String, attempts: Int, nextAttemptAt: Date, expiresAt: Date,
            lastError: String?
        ) {
            self.deliveryId = deliveryId
            self.event = event
            self.channel = channel
            self.attempts = attempts
            self.nextAttemptAt = nextAttemptAt
            self.expiresAt = expiresAt
            self.lastError = lastError
        }
    }
}
