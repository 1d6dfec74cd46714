import BreatherCore
import Foundation

/// The human form of `history.jsonl` (read by `HistoryFile`) for `breather history`: a table of the
/// breaks, a chart of them week by week, and one sentence of totals.
///
/// ```
/// Day         Plan       Started  Promised  Back at  Check-in
/// 2026-11-19  cool-down  14:05    14:35     14:32    on time
/// 2026-11-20  pineapple  19:40    20:10     20:27    2 minutes late, extended once to 20:25
/// 2026-11-21  cool-down  08:30    09:00     -        cancelled at 08:50
///
/// Week by week (█ back on time, ░ the other breaks):
///   week of 2026-11-16  █░░  3 breaks, 1 back on time
///
/// 1 of 2 check-ins were on time; 1 break was cancelled.
/// ```
enum HistoryText {
    static func render(_ records: [HistoryRecord], clock: TimeInWords) -> String {
        guard !records.isEmpty else { return "No breaks yet. Each one you take will show here." }
        var lines = table(records, clock: clock)
        lines.append("")
        lines += HistoryChart.lines(records, clock: clock)
        lines.append("")
        lines.append(summary(records))
        return lines.joined(separator: "\n")
    }

    static let headers = ["Day", "Plan", "Started", "Promised", "Back at", "Check-in"]

    /// The header and one row per break, in columns.
    static func table(_ records: [HistoryRecord], clock: TimeInWords) -> [String] {
        let rows = [headers] + records.map { row($0, clock: clock) }
        var widths = [Int](repeating: 0, count: headers.count)
        for row in rows {
            for (index, field) in row.enumerated() { widths[index] = max(widths[index], field.count) }
        }
        return rows.map { row in
            row.enumerated()
                .map { index, field in
                    index == row.count - 1 ? field : field.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }
                .joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
    }

    /// The fields of one break: day, plan, started, promised, back at, and how it went.
    static func row(_ record: HistoryRecord, clock: TimeInWords) -> [String] {
        var fields = [
            clock.day(record.startedAt),
            record.plan,
            clock.time(record.startedAt),
            clock.time(record.promisedAt),
        ]
        var verdict: String
        switch record.outcome {
        case .back:
            fields.append(clock.time(record.endedAt))
            verdict = record.onTime ? "on time" : "\(TimeInWords.length(record.lateSeconds)) late"
        case .cancelled:
            fields.append("-")
            verdict = "cancelled at \(clock.time(record.endedAt))"
        }
        if record.extensions > 0 {
            verdict += ", extended \(times(record.extensions)) to \(clock.time(record.checkinAt))"
        }
        if let late = record.notTakenBack, !late.isEmpty {
            let times = late.map { clock.time($0) }.joined(separator: ", ")
            verdict += "; the partner's server could not be told in time to drop the message due at \(times)"
        }
        for answer in record.answers ?? [] {
            verdict += "; answered at \(clock.time(answer.at)): \(StatusText.oneLine(answer.text))"
        }
        fields.append(verdict)
        return fields
    }

    /// "once", "twice", "3 times".
    static func times(_ count: Int) -> String {
        switch count {
        case 1: "once"
        case 2: "twice"
        default: "\(count) times"
        }
    }

    /// "7 of 8 check-ins were on time.", with the cancelled breaks counted apart.
    static func summary(_ records: [HistoryRecord]) -> String {
        let checkins = records.filter { $0.outcome == .back }
        let onTime = checkins.filter(\.onTime).count
        let cancelled = records.count - checkins.count
        var sentence: String
        switch checkins.count {
        case 0: sentence = "No check-ins yet"
        case 1: sentence = "\(onTime) of 1 check-in was on time"
        default: sentence = "\(onTime) of \(checkins.count) check-ins were on time"
        }
        if cancelled > 0 {
            sentence += cancelled == 1 ? "; 1 break was cancelled" : "; \(cancelled) breaks were cancelled"
        }
        return sentence + "."
    }
}
