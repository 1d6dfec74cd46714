import Foundation

/// The sentence `breather` prints for a command that went through, worded from what the
/// command did (never from the state read back afterwards).
public enum ReplyWording {
    public static func sentence(for outcome: CommandOutcome, values: MessageValues, now: Date) -> String {
        switch outcome {
        case .started(let brk):
            var sentence =
                "Break started: check in with \(brk.partner) at \(values.clockTime(brk.checkinAt)), in \(timeLeft(brk, now))."
            if let announce = brk.plan.announce {
                sentence += " Announcement queued for \(announce.to.joined(separator: ", "))."
            }
            return sentence
        case .extended(let brk):
            var sentence = "Check-in moved to \(values.clockTime(brk.checkinAt)), in \(timeLeft(brk, now))."
            if let message = brk.plan.extend {
                sentence += " \(brk.partner) is told through \(message.to.joined(separator: ", "))."
            }
            return sentence
        case .ended(let ended) where ended.outcome == .back:
            let brk = ended.break
            var sentence =
                ended.lateSeconds <= 0
                ? "Welcome back: you checked in on time."
                : "Welcome back: you checked in \(values.lateness(ended.lateSeconds)), after the promised \(values.clockTime(brk.checkinAt))."
            if let message = brk.plan.back {
                sentence += " \(brk.partner) is told through \(message.to.joined(separator: ", "))."
            }
            return sentence
        case .ended(let ended):
            let brk = ended.break
            if let message = brk.plan.cancel {
                return "Break cancelled; \(brk.partner) is told through \(message.to.joined(separator: ", "))."
            }
            return "Break cancelled; no check-in message was sent."
        }
    }

    /// `breatherd`'s one-line status, for `systemctl status` and a `status` reply.
    public static func statusSentence(for state: BreatherState, values: MessageValues) -> String {
        guard let brk = state.activeBreak else { return "No break is running." }
        return "On a break (\(brk.plan.name)); check-in with \(brk.partner) at \(values.clockTime(brk.checkinAt))."
    }

    private static func timeLeft(_ brk: Break, _ now: Date) -> String {
        Span(seconds: Int(brk.checkinAt.timeIntervalSince(now).rounded())).spokenDescription
    }
}
