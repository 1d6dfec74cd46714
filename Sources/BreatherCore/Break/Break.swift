import Foundation

/// One running use of a plan: started at a time, with a promised check-in time.
///
/// The break holds a copy of its plan and of the two names, so editing the config
/// mid-break changes nothing that was promised.
public struct Break: Hashable, Sendable, Codable {
    public var id: String
    public var plan: Plan
    public var me: String
    public var partner: String
    public var startedAt: Date
    /// The check-in promised at the start.
    public var promisedAt: Date
    /// The check-in in force now, after every extension.
    public var checkinAt: Date
    public var extensions: Int
    public var note: String?
    /// One entry per reminder of `plan`, by index.
    public var reminders: [ReminderState]
    /// The desktop notification now on screen for this break: the next one replaces it, and
    /// its buttons act on this break, across a restart of the daemon too.
    public var notificationId: UInt32?
    /// Which notification server gave `notificationId` (see `ShownNotification`); nil in a
    /// state saved by an earlier version, whose id is then never replaced or closed.
    public var notificationServer: String?
    /// What the notification says and whether it is urgent, to show it again from a new
    /// connection after a restart (a server sends a button press only to the connection
    /// that made the notification).
    public var notificationText: String?
    public var notificationUrgent: Bool?
    /// The secret every answer button of this break carries (nil: the plan offers no
    /// buttons). Never logged or shown.
    public var answersKey: String?
    /// Matrix: Breather's messages of this break, by event id, with when the server took
    /// them: a reply to or reaction on one of them answers this break.
    public var messageEvents: [String: Date]?
    /// The partner's answers, oldest first (nil: none yet).
    public var answers: [PartnerAnswer]?

    /// The notification on screen for this break, when its server is known.
    public var shownNotification: ShownNotification? {
        guard let notificationId, let notificationServer else { return nil }
        return ShownNotification(id: notificationId, server: notificationServer)
    }

    public init(id: String, plan: Plan, me: String, partner: String, startedAt: Date, checkinAt: Date, note: String?) {
        self.id = id
        self.plan = plan
        self.me = me
        self.partner = partner
        self.startedAt = startedAt
        self.promisedAt = checkinAt
        self.checkinAt = checkinAt
        self.extensions = 0
        self.note = note
        self.reminders = plan.reminders.indices.map { index in
            let due = checkinAt.addingTimeInterval(Double(plan.reminders[index].offset.seconds))
            // A reminder that would fall before the break began (a `-45m` one in a 30-minute
            // break) has nothing to remind of.
            return ReminderState(index: index, status: due < startedAt ? .skipped : .pending)
        }
    }

    /// When reminder `index` is due under the check-in in force.
    public func dueDate(ofReminder index: Int) -> Date {
        checkinAt.addingTimeInterval(Double(plan.reminders[index].offset.seconds))
    }

    /// The reminders still to come as a person sees it, earliest first: waiting for their
    /// time, or queued ahead of it (the machine's lead) but not yet due.
    public func remindersToCome(now: Date) -> [ReminderState] {
        reminders
            .filter { $0.status == .pending || ($0.status == .sent && dueDate(ofReminder: $0.index) > now) }
            .sorted { dueDate(ofReminder: $0.index) < dueDate(ofReminder: $1.index) }
    }

    /// The total length promised, start to check-in in force.
    public var promisedLength: Span {
        Span(seconds: Int(checkinAt.timeIntervalSince(startedAt).rounded()))
    }

    public struct ReminderState: Hashable, Sendable, Codable {
        public enum Status: String, Hashable, Sendable, Codable {
            /// Waiting for its time.
            case pending
            /// Its deliveries were made (they may still be retrying in the outbox).
            case sent
            /// A before-reminder that had not gone out by the check-in time.
            case dropped
            /// Fell before the start of the break; never due.
            case skipped
        }

        public var index: Int
        public var status: Status
        /// How many times it went out (more than once only after an extension).
        public var sentCount: Int

        public init(index: Int, status: Status, sentCount: Int = 0) {
            self.index = index
            self.status = status
            self.sentCount = sentCount
        }
    }
}
