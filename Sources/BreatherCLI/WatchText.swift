import BreatherCore
import Foundation

/// What `breather status --watch` shows: a few lines redrawn in place on a terminal, or
/// one plain line per change when the output is a pipe or a file. Pure functions of a
/// status report and a clock, so they are tested with golden strings.
///
/// On a terminal:
///
/// ```
/// cool-down: check in with Alex at 14:35, in 10 minutes.
/// [████████████████████░░░░░░░░░░]  9:58 left
/// Next reminder at 14:30 (in 5 minutes), to desktop.
/// Ctrl-C stops watching; the break goes on.
/// ```
///
/// Piped, one line per change:
///
/// ```
/// 14:25  cool-down: check in with Alex at 14:35, in 10 minutes. Next reminder at 14:30, to desktop.
/// ```
enum WatchText {
    /// The width of the progress bar, in cells, for a terminal `columns` wide.
    static func barWidth(columns: Int) -> Int {
        max(10, min(30, columns - 20))
    }

    /// The lines of one frame on a terminal.
    static func frame(_ running: StatusReport.BreakStatus, clock: TimeInWords, columns: Int = 80) -> [String] {
        let left = running.checkinAt.timeIntervalSince(clock.now)
        let bar = progressBar(running, clock: clock, width: barWidth(columns: columns))
        var lines = [headline(running, clock: clock)]
        if left > 0 {
            lines.append("\(bar)  \(TimeInWords.countdown(left)) left")
        } else {
            lines.append("\(bar)  time to go back to \(running.partner)")
        }
        lines.append(nextReminder(running, clock: clock, withRelative: true))
        lines += StatusText.answerLines(running, clock: clock)
        lines.append("Ctrl-C stops watching; the break goes on.")
        return lines.map { fit($0, columns: columns) }
    }

    /// One plain line, for output that is not a terminal. It changes at most once a minute.
    static func plainLine(_ running: StatusReport.BreakStatus, clock: TimeInWords) -> String {
        let answer =
            (running.answers?.last).map { " \(running.partner) answered: \(StatusText.oneLine($0.text))" } ?? ""
        return
            "\(clock.time(clock.now))  \(headline(running, clock: clock)) \(nextReminder(running, clock: clock, withRelative: false))\(answer)"
    }

    /// "cool-down: check in with Alex at 14:35, in 10 minutes." or, once the time has
    /// come, "cool-down: it is time to check in with Alex (due at 14:35, 2 minutes ago)."
    static func headline(_ running: StatusReport.BreakStatus, clock: TimeInWords) -> String {
        let when = clock.moment(running.checkinAt)
        if running.checkinAt > clock.now {
            return "\(running.plan): check in with \(running.partner) at \(when), \(clock.relative(running.checkinAt))."
        }
        return
            "\(running.plan): it is time to check in with \(running.partner) (due at \(when), \(clock.relative(running.checkinAt)))."
    }

    /// "Next reminder at 14:30 (in 5 minutes), to desktop." or "No more reminders to come."
    static func nextReminder(_ running: StatusReport.BreakStatus, clock: TimeInWords, withRelative: Bool) -> String {
        guard let next = running.pending.filter({ $0.dueAt >= clock.now }).min(by: { $0.dueAt < $1.dueAt }) else {
            return "No more reminders to come."
        }
        let relative = withRelative ? " (\(clock.relative(next.dueAt)))" : ""
        return "Next reminder at \(clock.moment(next.dueAt))\(relative), to \(next.to.joined(separator: ", "))."
    }

    /// `[██████░░░░]`: the part of the break already behind, up to the check-in.
    static func progressBar(_ running: StatusReport.BreakStatus, clock: TimeInWords, width: Int) -> String {
        let total = running.checkinAt.timeIntervalSince(running.startedAt)
        let done = clock.now.timeIntervalSince(running.startedAt)
        let fraction = total > 0 ? min(1, max(0, done / total)) : 1
        let full = Int((fraction * Double(width)).rounded(.down))
        return "[" + String(repeating: "█", count: full) + String(repeating: "░", count: width - full) + "]"
    }

    /// The sentence when the break is over, from its history record when there is one.
    static func ended(_ record: HistoryRecord?, clock: TimeInWords) -> String {
        guard let record else { return "The break has ended." }
        switch record.outcome {
        case .back where record.onTime:
            return "You checked in at \(clock.time(record.endedAt)), on time. The break has ended."
        case .back:
            return "You checked in at \(clock.time(record.endedAt)). The break has ended."
        case .cancelled:
            return "The break was cancelled at \(clock.time(record.endedAt))."
        }
    }

    /// A line cut to the terminal's width, so that a redraw knows how many rows it covers.
    static func fit(_ line: String, columns: Int) -> String {
        guard columns > 1, line.count > columns else { return line }
        return String(line.prefix(columns - 1)) + "…"
    }
}
