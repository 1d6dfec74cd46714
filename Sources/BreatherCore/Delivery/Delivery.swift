import Foundation

/// One message to one channel, with its own id, attempts and outcome.
///
/// A delivery is written to the outbox before its first attempt and leaves it only after
/// success or when its retry window closes, so a restart never loses one. Its `id` is the
/// `Idempotency-Key` of every attempt.
public struct Delivery: Hashable, Sendable, Codable {
    public var id: String
    public var event: Event
    public var channel: String
    public var breakId: String?
    public var plan: String?
    /// The rendered text, rendered again for each attempt when `template` is known.
    public var message: String
    /// The plan's text and the values that do not change between attempts; `{late}` and
    /// `{minutes_left}` are added at each attempt unless fixed here (as `{late}` is in
    /// `[back]`, where it is the check-in's lateness). Nil for a test message.
    public var template: Template?
    public var fixedValues: [String: String]?
    /// When `message` was last rendered: the attempt it was rendered for.
    public var renderedAt: Date?
    public var checkinAt: Date?
    /// When the message was due: the check-in plus the offset, for a reminder.
    public var dueAt: Date
    /// Only for reminders.
    public var offsetSeconds: Int?
    /// Only for reminders: which reminder of the plan this is.
    public var reminderIndex: Int?
    /// Only for reminders: which sending of it (more than one after an extension).
    public var reminderRound: Int?
    /// The moment the daemon made this delivery.
    public var createdAt: Date
    /// The last moment a retry may start.
    public var expiresAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    /// One sentence about the last failure, free of secrets.
    public var lastError: String?
    /// For a channel whose service holds messages: what this delivery asks of the service
    /// (nil: an ordinary message, shown now).
    public var hold: HoldStep?
    /// For a release or a cancel: the held message's key (the ntfy sequence id).
    public var holdKey: String?
    /// For a release or a cancel at Matrix: the `delay_id`. A secret: never logged or shown.
    public var holdHandle: String?
    /// For a Matrix hand-off tried again only to learn its `delay_id` and cancel it (the break
    /// ended): held far ahead, so that if the first attempt never landed, nothing goes out
    /// before the cancel.
    public var holdOnlyToTakeBack: Bool?
    /// The words the partner may answer this message with (`answers` of `[announce]` or
    /// `[extend]`): on ntfy, one button each. Nil: no buttons.
    public var answers: [String]?
    /// The break's secret that every answer button carries back, so that only a button of
    /// this break answers it. A secret: never logged or shown.
    public var answersKey: String?

    public init(
        id: String,
        event: Event,
        channel: String,
        breakId: String?,
        plan: String?,
        message: String,
        checkinAt: Date?,
        dueAt: Date,
        offsetSeconds: Int?,
        reminderIndex: Int? = nil,
        createdAt: Date,
        expiresAt: Date,
        attempts: Int = 0,
        nextAttemptAt: Date,
        lastError: String? = nil
    ) {
        self.id = id
        self.event = event
        self.channel = channel
        self.breakId = breakId
        self.plan = plan
        self.message = message
        self.checkinAt = checkinAt
        self.dueAt = dueAt
        self.offsetSeconds = offsetSeconds
        self.reminderIndex = reminderIndex
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }

    /// True for the check-in-time reminder and for anything sent late: worth a louder notice.
    public var isUrgent: Bool {
        offsetSeconds == 0 || (renderedAt ?? createdAt).timeIntervalSince(dueAt) >= 1
    }

    /// Renders `message` for an attempt starting at `now`, with `{late}` and
    /// `{minutes_left}` as of then, so a retry minutes late never says "on time".
    public mutating func render(now: Date, with values: MessageValues) {
        guard let template, let fixedValues else { return }
        var current: [Template.Variable: String] = [:]
        for (name, value) in fixedValues {
            if let variable = Template.Variable(rawValue: name) { current[variable] = value }
        }
        if current[.late] == nil {
            current[.late] = values.lateness(now.timeIntervalSince(dueAt))
        }
        if current[.minutesLeft] == nil {
            current[.minutesLeft] = values.minutesLeft(until: checkinAt ?? now, now: now)
        }
        message = template.render(current)
        renderedAt = now
    }
}
