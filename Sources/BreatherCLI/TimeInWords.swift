import Foundation
import Glibc

/// Times and lengths of time in the words a person reads: local `14:35` (or `2:35 PM` where
/// the locale keeps a 12-hour clock), "in 25 minutes", "3 minutes ago", "2 minutes late".
///
/// Everything is relative to a fixed `now` in a fixed time zone, so the formatters that use
/// it are pure functions and can be tested with golden strings.
struct TimeInWords: Sendable {
    /// Where local times come from.
    enum Zone: Sendable {
        /// A Foundation time zone (a test's, or one asked for by name).
        case fixed(TimeZone)
        /// This process's: the C library's local time (`TZ`, else /etc/localtime, and the
        /// system's time zone database), which is also what `date` prints. It starts no ICU
        /// time zone, which would cost `breather status` a quarter of a millisecond.
        case system
    }

    var now: Date
    var zone: Zone
    var localTime: LocalTime

    init(now: Date = Date(), timeZone: TimeZone = .current, localTime: LocalTime = .twentyFourHour) {
        self.init(now: now, zone: .fixed(timeZone), localTime: localTime)
    }

    init(now: Date, zone: Zone, localTime: LocalTime) {
        self.now = now
        self.zone = zone
        self.localTime = localTime
    }

    /// Now, in this process's time zone (`TZ`) and the locale's way of writing a time
    /// (`LC_ALL`, `LC_TIME`, `LANG`).
    static func local(now: Date = Date()) -> TimeInWords {
        TimeInWords(now: now, zone: .system, localTime: .current())
    }

    var timeZone: TimeZone {
        switch zone {
        case .fixed(let timeZone): timeZone
        case .system: .current
        }
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The local calendar fields of `date` in the system's time zone.
    private static func systemFields(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var fields = tm()
        localtime_r(&seconds, &fields)
        return fields
    }

    /// Local `HH:MM`, or `h:MM AM` on a 12-hour clock.
    func time(_ date: Date) -> String {
        if case .system = zone {
            let fields = Self.systemFields(date)
            return localTime.format(hour: Int(fields.tm_hour), minute: Int(fields.tm_min))
        }
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return localTime.format(hour: parts.hour ?? 0, minute: parts.minute ?? 0)
    }

    /// The Monday that begins the local week holding `date`, at midnight.
    func weekStart(_ date: Date) -> Date {
        let midnight = calendar.startOfDay(for: date)
        let weekday = calendar.component(.weekday, from: midnight)  // 1 = Sunday … 7 = Saturday
        let back = (weekday + 5) % 7
        return calendar.date(byAdding: .day, value: -back, to: midnight) ?? midnight
    }

    /// `date` moved by whole local days (a week is 7), across daylight-saving changes.
    func adding(days: Int, to date: Date) -> Date {
        calendar.date(byAdding: .day, value: days, to: date) ?? date.addingTimeInterval(Double(days) * 86400)
    }

    /// A countdown on a clock face: `9:58`, `1:02:03`; negative lengths count as zero.
    static func countdown(_ seconds: TimeInterval) -> String {
        let whole = Int(max(0, seconds).rounded(.up))
        let hours = whole / 3600
        let minutes = (whole % 3600) / 60
        let rest = whole % 60
        let two = LocalTime.twoDigits
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(rest))" : "\(minutes):\(two(rest))"
    }

    /// Local `YYYY-MM-DD`.
    func day(_ date: Date) -> String {
        if case .system = zone {
            let fields = Self.systemFields(date)
            return Self.day(year: Int(fields.tm_year) + 1900, month: Int(fields.tm_mon) + 1, day: Int(fields.tm_mday))
        }
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return Self.day(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
    }

    private static func day(year: Int, month: Int, day: Int) -> String {
        "\(LocalTime.zeroPadded(year, width: 4))-\(LocalTime.twoDigits(month))-\(LocalTime.twoDigits(day))"
    }

    /// Local `HH:MM`, with the date after it when the day is not today's.
    func moment(_ date: Date) -> String {
        isSameDay(date, now) ? time(date) : "\(time(date)) on \(day(date))"
    }

    private func isSameDay(_ one: Date, _ other: Date) -> Bool {
        guard case .system = zone else { return calendar.isDate(one, inSameDayAs: other) }
        let (a, b) = (Self.systemFields(one), Self.systemFields(other))
        return a.tm_year == b.tm_year && a.tm_yday == b.tm_yday
    }

    /// "in 25 minutes", "3 minutes ago", "in less than a minute", "less than a minute ago".
    func relative(_ date: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let length = TimeInWords.length(abs(seconds))
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
