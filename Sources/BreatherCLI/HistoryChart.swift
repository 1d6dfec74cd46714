import BreatherCore
import Foundation

/// The week-by-week chart under `breather history`: one row per week (Monday to Sunday,
/// local time), a bar as long as the breaks taken that week, filled `█` for each check-in
/// on time and `░` for the rest, and the counts in words. Weeks without a break are shown
/// too, so the rhythm over time is visible; at most the last `maximumWeeks`.
///
/// ```
/// Week by week (█ back on time, ░ the other breaks):
///   week of 2026-11-09  ███   3 breaks, all back on time
///   week of 2026-11-16        no breaks
///   week of 2026-11-23  ██░░  4 breaks, 2 back on time
/// ```
enum HistoryChart {
    static let maximumWeeks = 12
    /// The longest bar; busier weeks are scaled down to it.
    static let maximumBar = 24

    struct Week: Hashable {
        var start: Date
        var breaks: Int
        var onTime: Int
    }

    /// The weeks from the first break's (or the last `maximumWeeks`) to the current one.
    static func weeks(_ records: [HistoryRecord], clock: TimeInWords) -> [Week] {
        guard let first = records.map(\.startedAt).min(), let last = records.map(\.startedAt).max() else { return [] }
        let end = clock.weekStart(max(last, clock.now))
        var start = clock.weekStart(first)
        let earliest = clock.adding(days: -7 * (maximumWeeks - 1), to: end)
        if start < earliest { start = earliest }
        var weeks: [Week] = []
        var cursor = start
        while cursor <= end, weeks.count < maximumWeeks {
            weeks.append(Week(start: cursor, breaks: 0, onTime: 0))
            cursor = clock.adding(days: 7, to: cursor)
        }
        for record in records {
            let week = clock.weekStart(record.startedAt)
            guard let index = weeks.firstIndex(where: { $0.start == week }) else { continue }
            weeks[index].breaks += 1
            if record.onTime { weeks[index].onTime += 1 }
        }
        return weeks
    }

    static func lines(_ records: [HistoryRecord], clock: TimeInWords) -> [String] {
        let weeks = weeks(records, clock: clock)
        guard !weeks.isEmpty else { return [] }
        let busiest = weeks.map(\.breaks).max() ?? 0
        let scale = busiest > maximumBar ? Double(maximumBar) / Double(busiest) : 1
        let bars = weeks.map { week -> String in
            let length = week.breaks == 0 ? 0 : max(1, Int((Double(week.breaks) * scale).rounded()))
            let full = min(length, Int((Double(week.onTime) * scale).rounded()))
            return String(repeating: "█", count: full) + String(repeating: "░", count: length - full)
        }
        let width = bars.map(\.count).max() ?? 0
        var lines = ["Week by week (█ back on time, ░ the other breaks):"]
        for (week, bar) in zip(weeks, bars) {
            let padded = bar.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  week of \(clock.day(week.start))  \(padded)  \(words(week))".trimmingTrailingSpaces())
        }
        return lines
    }

    /// "no breaks", "1 break, back on time", "3 breaks, all back on time", "4 breaks, 2 back on time", "2 breaks".
    static func words(_ week: Week) -> String {
        guard week.breaks > 0 else { return "no breaks" }
        let breaks = TimeInWords.count(week.breaks, "break")
        switch week.onTime {
        case 0: return breaks
        case week.breaks: return week.breaks == 1 ? "\(breaks), back on time" : "\(breaks), all back on time"
        default: return "\(breaks), \(week.onTime) back on time"
        }
    }
}
