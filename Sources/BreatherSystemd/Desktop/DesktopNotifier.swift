import BreatherCore
import BreatherDesktopBus
import Dispatch

/// Shows freedesktop notifications (`org.freedesktop.Notifications`) over the user's session
/// bus with libsystemd's sd-bus, and reports their buttons and closings.
///
/// One sd-bus connection, driven from one serial queue; every call is asynchronous with a
/// timeout, so a hung bus or server never blocks the caller. The bus and the server are
/// looked up at each send: a connection that broke (or was never opened, because there was
/// no bus) is opened again by the next `notify`, and a server that is missing now is found
/// once it is there. Each new connection asks the server's capabilities before its first
/// `Notify`, so buttons go out only to a server that shows them.
public final class DesktopNotifier: Sendable {
    private let queue = DispatchQueue(label: "breather.desktop-notifier", qos: .utility)
    private let session: NotificationSession
    private let shared = NotifierShared()

    /// `timeout` bounds each `notify`, from the call to the server's answer.
    public init(timeout: Duration = .seconds(10)) {
        session = NotificationSession(queue: queue, timeout: timeout, shared: shared)
    }

    deinit {
        let session = self.session
        queue.async { session.close() }
    }

    /// Sends `Notify` and returns at once. `completion` runs once, on the notifier's queue
    /// (never on the caller's thread, never inside this call), with the id the server gave
    /// the notification or a `DesktopError` whose sentence says what to check.
    public func notify(
        _ notification: DesktopNotification,
        completion: @escaping @Sendable (Result<ShownNotification, DesktopError>) -> Void
    ) {
        let request = NotifyRequest(notification, timeout: session.timeout, queue: queue, completion: completion)
        queue.async { [session] in session.submit(request) }
    }

    /// Closes `shown` when its server is still the one running (never another program's
    /// notification that has the same id on a restarted server). Returns at once.
    public func close(_ shown: ShownNotification) {
        queue.async { [session] in session.close(shown) }
    }

    /// Set once, before the first `notify`. `action` gets (notification, action key) when
    /// a button is pressed; `closed` gets (notification, reason: 1 expired, 2 dismissed by
    /// the user, 3 closed by a call, 4 other). Servers broadcast these signals, so ids from
    /// other applications arrive too: match them against what `notify` returned. The
    /// handlers run on the notifier's queue and must not block.
    public func setHandlers(
        action: @escaping @Sendable (ShownNotification, String) -> Void,
        closed: @escaping @Sendable (ShownNotification, UInt32) -> Void
    ) {
        shared.setHandlers(action: action, closed: closed)
    }

    /// Whether the server listed `actions` in `GetCapabilities`; nil until a connection's
    /// server has answered, and again after a reconnect or a change of server.
    public var supportsActions: Bool? {
        shared.supportsActions
    }
}
