import Foundation

/// The machine's three kinds of event — a command, the clock, a delivery's result — each
/// as one `Transition` whose records the new state already holds: one outcome, one save.
extension BreakMachine {
    public mutating func apply(_ command: BreakCommand, now: Date) throws(ControlError) -> Transition {
        let before = state.activeBreak
        let transition: Transition
        switch command {
        case .start(let plan, let duration, let note, let breakId):
            let effects = try start(plan: plan, duration: duration, note: note, now: now, breakId: breakId)
            transition = Transition(effects, outcome: state.activeBreak.map(CommandOutcome.started))
        case .extend(let span):
            let effects = try extend(by: span, now: now)
            transition = Transition(effects, outcome: state.activeBreak.map(CommandOutcome.extended))
        case .back, .cancel:
            let outcome: HistoryRecord.Outcome = command == .back ? .back : .cancelled
            let effects = outcome == .back ? try back(now: now) : try cancel(now: now)
            let ended = before.map { EndedBreak(break: $0, endedAt: now.wholeMilliseconds, outcome: outcome) }
            transition = Transition(
                effects, closeNotification: before?.shownNotification, outcome: ended.map(CommandOutcome.ended))
        }
        hold(transition)
        return transition
    }

    /// Whatever the clock brings at `now`.
    public mutating func advance(now: Date) -> Transition {
        let transition = Transition(tick(now: now))
        hold(transition)
        return transition
    }

    /// The result of an attempt, with the desktop notification it showed, if any: one change.
    public mutating func record(
        deliveryId: String, result: AttemptResult, shown: ShownNotification?, now: Date, jitter: Double
    ) -> Transition {
        // One notification per break on screen: a notification of a break that has ended
        // meanwhile is closed again, and one that another (sent before it had an id to
        // replace) has superseded is closed too.
        var close: ShownNotification?
        if let shown, let delivery = state.outbox.first(where: { $0.id == deliveryId }) {
            if let brk = state.activeBreak, brk.id == delivery.breakId {
                if let current = brk.shownNotification, current != shown { close = current }
                notificationShown(shown, text: delivery.message, urgent: delivery.isUrgent, breakId: brk.id)
            } else if delivery.breakId != nil {
                // An answer after its break shows on its own; one that replaced the break's
                // notification while it ran would bring back buttons for a break that is over.
                let ended = state.answerWindows?.first { $0.break.id == delivery.breakId }?.break.shownNotification
                if delivery.event != .answer || shown == ended { close = shown }
            }
        }
        let transition = Transition(
            finished(deliveryId: deliveryId, result: result, now: now, jitter: jitter), closeNotification: close)
        hold(transition)
        return transition
    }

    /// What one read of a channel for answers brought back.
    public mutating func answersRead(_ read: AnswersRead, now: Date) -> Transition {
        // The relays go out at once, like anything due.
        let effects = readAnswers(read, now: now.wholeMilliseconds)
        let transition = Transition(effects + tick(now: now))
        hold(transition)
        return transition
    }

    private mutating func hold(_ transition: Transition) {
        holdRecords(transition.records)
    }
}
