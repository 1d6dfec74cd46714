import Foundation

/// Times and lengths of time in the words a person reads: local `14:35`, "in 25 minutes",
/// "3 minutes ago", "2 minutes late".
///
/// Everything is relative to a fixed `now` in a fixed time zone, so the formatters that use
/// it are pure functions and can be tested with golden strings.
struct Clock: Sendable {
    var now: Date
    var timeZone: TimeZone

    init(now: Date = Date(), timeZone: TimeZone = .current) {
        self.now = now
        self.timeZone = timeZone
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Local `HH:MM`.
    func time(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// Local `YYYY-MM-DD`.
    func day(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Local `HH:MM`, with the date after it when the day is not today's.
    func moment(_ date: Date) -> String {
        calendar.isDate(date, inSameDayAs: now) ? time(date) : "\(time(date)) on \(day(date))"
    }

    /// "in 25 minutes", "3 minutes ago", "in less than a minute", "less than a minute ago".
    func relative(_ date: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let length = Clock.length(abs(seconds))
        return seconds >= 0 ? "in \(length)" : "\(length) ago"
    }

    /// A length of time rounded to the nearest minute: "1 minute", "25 minutes",
    /// "1 hour 5 minutes", "2 hours"; under half a minute, "less than a minute".
    static func length(_ seconds: TimeInterval) -> String {
        let minutes = Int((max(0, seconds) / 60).rounded())
        if minutes == 0 { return "less than a minute" }
        let hours = minutes / 60
        let rest = minutes % 60
        var parts: [String] = []
        if hours > 0 { parts.append(count(hours, "hour")) }
        if rest > 0 { parts.append(count(rest, "minute")) }
        return parts.joined(separator: " ")
    }

    /// "1 plan", "3 plans".
    static func count(_ number: Int, _ noun: String, plural: String? = nil) -> String {
        number == 1 ? "1 \(noun)" : "\(number) \(plural ?? noun + "s")"
    }
}
