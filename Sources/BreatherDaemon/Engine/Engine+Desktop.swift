import BreatherCore
import Logging

/// What the notification server tells the engine: a button pressed, a notification closed;
/// and, at start, the running break's notification shown again.
extension Engine {
    /// A notification's button: does what `breather back` or `breather extend 10m` does, for
    /// the running break whose notification it is. Servers broadcast every app's buttons, and
    /// an old notification may outlive its break: anything else is logged and ignored.
    func buttonPressed(_ request: DesktopChannel.Request, notification: ShownNotification) {
        run { [self] in
            guard let brk = machine.state.activeBreak, brk.shownNotification == notification else {
                logger.info(
                    "A Breather notification's button was pressed, but no running break shows that notification; nothing to do.",
                    metadata: ["event": "button"])
                return
            }
            let reply = execute(request == .back ? .back : .extend(.minutes(10)))
            let what = request == .back ? "I'm back" : "10 more minutes"
            let fields: Logger.Metadata = ["break_id": .string(brk.id), "event": "button"]
            if let error = reply.error {
                logger.warning("The \"\(what)\" button could not be carried out: \(error.message)", metadata: fields)
            } else {
                logger.notice("The \"\(what)\" button was pressed on a notification.", metadata: fields)
            }
        }
    }

    /// The server closed a notification. Dismissed or expired, the break's notification is
    /// not shown again after a restart; closed by our own call, the break has ended anyway.
    func notificationClosed(_ shown: ShownNotification, reason: UInt32) {
        run { [self] in
            guard reason != 3, machine.state.activeBreak?.shownNotification == shown else { return }
            var next = machine
            next.notificationClosed(shown)
            commit(next, Transition())
        }
    }

    /// At start: the running break's notification, shown again from this process's bus
    /// connection (replacing the old one while the same server runs), so its buttons work.
    func showNotificationAgain() {
        guard let brk = machine.state.activeBreak, let text = brk.notificationText else { return }
        let breakId = brk.id
        let urgent = brk.notificationUrgent ?? false
        // A notice from before the check-in, shown again after it, would mislead ("5 minutes
        // left"); the late reminders of the catch-up that follows show what is true now.
        guard urgent || clock.now() < brk.checkinAt else { return }
        transport.showAgain(text, urgent: urgent, replacing: brk.shownNotification) { [weak self] result, shown in
            guard let self else { return }
            guard let shown else {
                if case .failed(let reason, _, _) = result {
                    logger.info(
                        "The running break's notification could not be shown again after the restart: \(reason)",
                        metadata: ["break_id": .string(breakId), "event": "desktop"])
                }
                return
            }
            run { [self] in
                var next = machine
                next.notificationShown(shown, text: text, urgent: urgent, breakId: breakId)
                commit(next, Transition())
            }
        }
    }
}
