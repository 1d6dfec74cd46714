import BreatherCore
import BreatherSystemd
import Foundation
import Synchronization

/// Desktop notifications for the one on the break: one notification per break, each
/// replacing the one before, with "I'm back" and "10 more minutes" buttons where the
/// server shows buttons; closed when the break ends.
///
/// Which notification belongs to which break is kept in the saved break, not here, so the
/// buttons on screen keep working across a restart of the daemon.
final class DesktopChannel: @unchecked Sendable {
    /// What a button asks for.
    enum Request: String, Sendable {
        case back = "breather-back"
        case extend = "breather-extend-10m"
    }

    /// What the engine hears from the notification server.
    struct Handlers: Sendable {
        /// A button of one of our notifications was pressed.
        var pressed: @Sendable (ShownNotification, Request) -> Void
        /// A notification was closed, with the specification's reason (2: dismissed).
        var closed: @Sendable (ShownNotification, UInt32) -> Void
    }

    private let notifier = DesktopNotifier()
    private let handlers = Mutex<Handlers?>(nil)

    init() {
        notifier.setHandlers(
            action: { [weak self] shown, key in self?.pressed(shown, key) },
            closed: { [weak self] shown, reason in self?.handlers.withLock { $0 }?.closed(shown, reason) }
        )
    }

    /// Set once at start-up.
    func setHandlers(_ handlers: Handlers) {
        self.handlers.withLock { $0 = handlers }
    }

    /// Shows `delivery`, replacing `replacing` when that is still on screen from the same
    /// server; the completion gets the notification as shown.
    func send(
        _ delivery: Delivery, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {
        // A partner's answer during the break takes the place of the break's notification, and
        // keeps its buttons; one after the break is a notification of its own, without them.
        let answersRunningBreak = delivery.event == .answer && replacing != nil
        let offersButtons =
            delivery.breakId != nil
            && ([.announce, .reminder, .extend].contains(delivery.event) || answersRunningBreak)
        // The check-in, anything late, and anything after the check-in (the one on the break
        // is late by then) stay on screen until acted on.
        let pastCheckin = delivery.checkinAt.map { $0 <= Date() } ?? false
        let urgent = delivery.isUrgent || (delivery.offsetSeconds ?? 0) > 0 || (answersRunningBreak && pastCheckin)
        show(delivery.message, urgent: urgent, buttons: offersButtons, replacing: replacing, completion: completion)
    }

    /// Shows a running break's notification again, from this process's connection, so that
    /// its buttons reach this process: a server sends a button press only to the connection
    /// that made the notification, and that connection died with the last breatherd.
    func showAgain(
        _ text: String, urgent: Bool, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {
        show(text, urgent: urgent, buttons: true, replacing: replacing, completion: completion)
    }

    /// Closes a notification when the break it belongs to ends, if its server still runs.
    func close(_ shown: ShownNotification) {
        notifier.close(shown)
    }

    private func show(
        _ text: String, urgent: Bool, buttons: Bool, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {
        let notification = DesktopNotification(
            replaces: replacing,
            summary: "Breather",
            body: text,
            urgency: urgent ? .critical : .normal,
            actions: buttons
                ? [
                    .init(key: Request.back.rawValue, label: "I'm back"),
                    .init(key: Request.extend.rawValue, label: "10 more minutes"),
                ]
                : [],
            // The check-in and anything late stay until the person acts: a server's default
            // (5 s on some) would let a kept promise slip by unseen.
            expireTimeout: urgent ? 0 : -1
        )
        notifier.notify(notification) { result in
            switch result {
            case .success(let shown):
                completion(.delivered(detail: "notification \(shown.id)"), shown)
            case .failure(let error):
                completion(.failed(reason: error.message, retryable: error.isRetryable, retryAfter: nil), nil)
            }
        }
    }

    private func pressed(_ shown: ShownNotification, _ key: String) {
        guard let request = Request(rawValue: key), let handlers = handlers.withLock({ $0 }) else { return }
        handlers.pressed(shown, request)
    }
}
