import Foundation

extension StatusReport {
    /// What `status --json` shows of `state` at `now`: the running break with the plan's
    /// reminders still to come, and every delivery that failed and waits for another attempt.
    public init(state: BreatherState, now: Date) {
        let retrying = state.outbox.filter { $0.attempts > 0 }.map {
            RetryingDelivery(
                deliveryId: $0.id, event: $0.event, channel: $0.channel, attempts: $0.attempts,
                nextAttemptAt: $0.nextAttemptAt, expiresAt: $0.expiresAt, lastError: $0.lastError
            )
        }
        let notTakenBack = state.heldMessages.filter { $0.phase == .notCancelled }.map {
            NotTakenBack(channel: $0.channel, dueAt: $0.dueAt)
        }
        guard let brk = state.activeBreak else {
            self.init(
                active: false, break: nil, retrying: retrying, notTakenBack: notTakenBack.isEmpty ? nil : notTakenBack)
            return
        }
        let pending = brk.remindersToCome(now: now).map { reminder in
            let dueAt = brk.dueDate(ofReminder: reminder.index)
            let heldBy = state.heldMessages.filter {
                $0.breakId == brk.id && $0.reminderIndex == reminder.index && $0.dueAt == dueAt
                    && ($0.phase == .held || $0.phase == .releasing)
            }.map(\.channel)
            return PendingReminder(
                offsetSeconds: brk.plan.reminders[reminder.index].offset.seconds, dueAt: dueAt,
                to: brk.plan.reminders[reminder.index].to, heldBy: heldBy.isEmpty ? nil : heldBy
            )
        }
        self.init(
            active: true,
            break: BreakStatus(
                id: brk.id, plan: brk.plan.name, startedAt: brk.startedAt, checkinAt: brk.checkinAt,
                extensions: brk.extensions, pending: pending, partner: brk.partner, note: brk.note,
                answers: brk.answers.map { $0.map(AnswerEntry.init) }
            ),
            retrying: retrying, notTakenBack: notTakenBack.isEmpty ? nil : notTakenBack
        )
    }
}
