import BreatherCore
import BreatherSystemd
import Foundation

/// Desktop notifications for the one on the break: one notification per break, each
/// replacing the one before, with "I'm back" and "10 more minutes" buttons where the
/// server shows buttons.
///
/// Which notification belongs to which break is kept in the saved break, not here, so the
/// buttons on screen keep working across a restart of the daemon.
final class DesktopChannel: @unchecked Sendable {
    /// What a button asks for.
    enum Request: String, Sendable {
        case back = "breather-back"
        case extend = "breather-extend-10m"
    }

    private let notifier = DesktopNotifier()
    private let lock = NSLock()
    private var onRequest: (@Sendable (UInt32, Request) -> Void)?

    init() {
        notifier.setHandlers(
            action: { [weak self] id, key in self?.pressed(id, key) },
            closed: { _, _ in }
        )
    }

    /// Set once at start-up: called with the notification id and what the person asked for.
    func setRequestHandler(_ handler: @escaping @Sendable (UInt32, Request) -> Void) {
        lock.withLock { onRequest = handler }
    }

    /// Listens for buttons now: for a break whose notification is on screen from before a
    /// restart. A missing bus is not an error here; sending will say it.
    func listen() {
        _ = notifier.listen()
    }

    /// Shows `delivery`, replacing notification `replacing` (0 for none); the completion
    /// gets the id the server gave it.
    func send(_ delivery: Delivery, replacing: UInt32, completion: @escaping @Sendable (AttemptResult, UInt32?) -> Void) {
        let offersButtons = delivery.breakId != nil && [.announce, .reminder, .extend].contains(delivery.event)
        let notification = DesktopNotification(
            replacesId: replacing,
            summary: "Breather",
            body: delivery.message,
            urgency: delivery.isUrgent ? .critical : .normal,
            actions: offersButtons
                ? [.init(key: Request.back.rawValue, label: "I'm back"), .init(key: Request.extend.rawValue, label: "10 more minutes")]
                : []
        )
        notifier.notify(notification) { result in
            switch result {
            case .success(let id):
                completion(.delivered(detail: "notification \(id)"), id)
            case .failure(let error):
                completion(.failed(reason: error.message, retryable: error.isRetryable, retryAfter: nil), nil)
            }
        }
    }

    private func pressed(_ id: UInt32, _ key: String) {
        guard let request = Request(rawValue: key), let handler = lock.withLock({ onRequest }) else { return }
        handler(id, request)
    }
}
