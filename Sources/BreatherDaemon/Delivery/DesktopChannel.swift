import BreatherCore
import BreatherSystemd
import Foundation

/// Desktop notifications for the one on the break: one notification per break, each
/// replacing the one before, with "I'm back" and "10 more minutes" buttons where the
/// server shows buttons.
final class DesktopChannel: @unchecked Sendable {
    /// What a button asks for.
    enum Request: String, Sendable {
        case back = "breather-back"
        case extend = "breather-extend-10m"
    }

    private let notifier = DesktopNotifier()
    private let lock = NSLock()
    /// The last notification shown for each break, which the next one replaces.
    private var lastByBreak: [String: UInt32] = [:]
    /// Which break each of our notifications belongs to (servers broadcast every button).
    private var breakByNotification: [UInt32: String] = [:]
    private var onRequest: (@Sendable (String, Request) -> Void)?

    init() {
        notifier.setHandlers(
            action: { [weak self] id, key in self?.pressed(id, key) },
            closed: { _, _ in }
        )
    }

    /// Set once at start-up: called with the break id and what the person asked for.
    func setRequestHandler(_ handler: @escaping @Sendable (String, Request) -> Void) {
        lock.withLock { onRequest = handler }
    }

    func send(_ delivery: Delivery, completion: @escaping @Sendable (AttemptResult) -> Void) {
        let replaces = lock.withLock { delivery.breakId.flatMap { lastByBreak[$0] } ?? 0 }
        let offersButtons = delivery.breakId != nil && [.announce, .reminder, .extend].contains(delivery.event)
        let notification = DesktopNotification(
            replacesId: replaces,
            summary: "Breather",
            body: delivery.message,
            urgency: delivery.isUrgent ? .critical : .normal,
            actions: offersButtons
                ? [.init(key: Request.back.rawValue, label: "I'm back"), .init(key: Request.extend.rawValue, label: "10 more minutes")]
                : []
        )
        notifier.notify(notification) { [weak self] result in
            switch result {
            case .success(let id):
                if let breakId = delivery.breakId {
                    self?.lock.withLock {
                        if let previous = self?.lastByBreak[breakId] { self?.breakByNotification[previous] = nil }
                        self?.lastByBreak[breakId] = id
                        self?.breakByNotification[id] = breakId
                    }
                }
                completion(.delivered(detail: "notification \(id)"))
            case .failure(let error):
                completion(.failed(reason: error.message, retryable: error.isRetryable, retryAfter: nil))
            }
        }
    }

    private func pressed(_ id: UInt32, _ key: String) {
        let (breakId, handler) = lock.withLock { (breakByNotification[id], onRequest) }
        guard let breakId, let request = Request(rawValue: key) else { return }
        handler?(breakId, request)
    }
}
