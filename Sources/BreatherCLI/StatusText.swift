import BreatherCore
import Foundation

/// The human form of `breather status`.
///
/// ```
/// A break is running: cool-down, started at 14:05 (20 minutes ago).
/// Check-in with Alex at 14:35, in 10 minutes.
/// Extended once.
/// Note: a walk around the block
/// Alex answered at 14:07: Thank you for telling me. Take your time.
/// Reminders to come:
///   14:30  -5m          desktop
///   14:35  at check-in  desktop
///   14:45  +10m         alex (held by alex's server)
/// Waiting to be sent again:
///   announce to alex: next try at 14:26 (3 attempts so far). Last error: connection refused
/// ```
enum StatusText {
    static func render(_ report: StatusReport, clock: TimeInWords) -> String {
        var lines: [String] = []
        if report.active, let running = report.break {
            lines += breakLines(running, clock: clock)
        } else {
            lines.append("No break is running.")
        }
        if !report.retrying.isEmpty {
            lines.append("Waiting to be sent again:")
            for delivery in report.retrying {
                lines.append("  " + retryLine(delivery, clock: clock))
            }
        }
        if let notTakenBack = report.notTakenBack, !notTakenBack.isEmpty {
            lines.append("Could not be taken back from the partner's server in time, so it may still arrive:")
            for message in notTakenBack {
                lines.append("  \(message.event.rawValue) to \(message.channel), due at \(clock.moment(message.dueAt))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func breakLines(_ running: StatusReport.BreakStatus, clock: TimeInWords) -> [String] {
        var lines: [String] = []
        lines.append(
            "A break is running: \(running.plan), started at \(clock.moment(running.startedAt)) (\(clock.relative(running.startedAt)))."
        )
        let when = clock.moment(running.checkinAt)
        if running.checkinAt >= clock.now {
            lines.append("Check-in with \(running.partner) at \(when), \(clock.relative(running.checkinAt)).")
        } else {
            lines.append("Check-in with \(running.partner) was due at \(when), \(clock.relative(running.checkinAt)).")
        }
        switch running.extensions {
        case 0: break
        case 1: lines.append("Extended once.")
        default: lines.append("Extended \(running.extensions) times.")
        }
        if let note = running.note, !note.isEmpty {
            lines.append("Note: \(note)")
        }
        lines += answerLines(running, clock: clock)
        if running.pending.isEmpty {
            lines.append("No more reminders are scheduled.")
        } else {
            lines.append("Reminders to come:")
            let offsets = running.pending.map { offset($0.offsetSeconds) }
            let width = offsets.map(\.count).max() ?? 0
            for (reminder, offset) in zip(running.pending, offsets) {
                let padded = offset + String(repeating: " ", count: max(0, width - offset.count))
                let held = (reminder.heldBy ?? []).map { " (held by \($0)'s server)" }.joined()
                lines.append(
                    "  \(clock.moment(reminder.dueAt))  \(padded)  \(reminder.to.joined(separator: ", "))\(held)")
            }
        }
        return lines
    }

    /// "Alex answered at 14:07: …", one per answer, oldest first, as written.
    static func answerLines(_ running: StatusReport.BreakStatus, clock: TimeInWords) -> [String] {
        (running.answers ?? []).map { "\(running.partner) answered at \(clock.moment($0.at)): \(oneLine($0.text))" }
    }

    /// Someone else's words on one line of this terminal: their line breaks and control
    /// characters (an escape sequence, say) become spaces. `--json` keeps them exact.
    static func oneLine(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// `-5m`, `at check-in`, `+10m`.
    static func offset(_ seconds: Int) -> String {
        seconds == 0 ? "at check-in" : Span(seconds: seconds).offsetDescription
    }

    private static func retryLine(_ delivery: StatusReport.RetryingDelivery, clock: TimeInWords) -> String {
        let attempts = TimeInWords.count(delivery.attempts, "attempt")
        var line =
            "\(delivery.event.rawValue) to \(delivery.channel): next try at \(clock.moment(delivery.nextAttemptAt)) (\(attempts) so far)."
        if let error = delivery.lastError, !error.isEmpty {
            line += " Last error: \(error)"
        }
        return line
    }
}
