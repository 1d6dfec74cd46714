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
        guard let brk = state.activeBreak else {
            self.init(active: false, break: nil, retrying: retrying)
            return
        }
        let pending = brk.remindersToCome(now: now).map {
            PendingReminder(
                offsetSeconds: brk.plan.reminders[$0.index].offset.seconds, dueAt: brk.dueDate(ofReminder: $0.index),
                to: brk.plan.reminders[$0.index].to
            )
        }
        self.init(
            active: true,
            break: BreakStatus(
                id: brk.id, plan: brk.plan.name, startedAt: brk.startedAt, checkinAt: brk.checkinAt,
                extensions: brk.extensions, pending: pending, partner: brk.partner, note: brk.note
            ),
            retrying: retrying
        )
    }
}
