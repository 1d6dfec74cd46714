import Foundation

/// The values of a plan's template variables for one message of one break.
public struct MessageValues: Sendable {
    public var timeZone: TimeZone

    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
    }

    /// Values as of `now`, for a message that was due at `due`.
    public func values(for brk: Break, due: Date, now: Date) -> [Template.Variable: String] {
        var values = fixedValues(for: brk)
        values[.minutesLeft] = minutesLeft(until: brk.checkinAt, now: now)
        values[.late] = lateness(now.timeIntervalSince(due))
        return values
    }

    /// The values that stay the same for every attempt of one message: all but `{late}`
    /// and `{minutes_left}`.
    public func fixedValues(for brk: Break) -> [Template.Variable: String] {
        [
            .me: brk.me,
            .partner: brk.partner,
            .plan: brk.plan.name,
            .checkinTime: clockTime(brk.checkinAt),
            .duration: brk.promisedLength.spokenDescription,
            .note: brk.note ?? "",
        ]
    }

    /// `{minutes_left}`: whole minutes until `checkin`, rounded up, never below zero.
    public func minutesLeft(until checkin: Date, now: Date) -> String {
        String(max(0, Int((checkin.timeIntervalSince(now) / 60).rounded(.up))))
    }

    /// Local `HH:MM`.
    public func clockTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// `{late}`: "on time", or how late in words ("3 minutes late", "40 seconds late").
    public func lateness(_ seconds: Double) -> String {
        guard seconds >= 1 else { return "on time" }
        let whole = Int(seconds)
        if whole < 60 { return Span(seconds: whole).spokenDescription + " late" }
        return Span(seconds: whole / 60 * 60).spokenDescription + " late"
    }
}
