import BreatherCore
import BreatherDesktopBus
import Dispatch
import Glibc
import Synchronization

/// One `notify` call on its way: the notification, when it must be answered by, and the
/// completion, which runs exactly once.
///
/// Created on the caller's thread, then used only on the notifier's `queue`.
final class NotifyRequest: @unchecked Sendable {
    let notification: DesktopNotification
    let deadline: DispatchTime
    private let queue: DispatchQueue
    private var completion: (@Sendable (Result<ShownNotification, DesktopError>) -> Void)?

    init(
        _ notification: DesktopNotification, timeout: Duration, queue: DispatchQueue,
        completion: @escaping @Sendable (Result<ShownNotification, DesktopError>) -> Void
    ) {
        self.notification = notification
        self.deadline = .now() + .nanoseconds(Int(clamping: timeout.totalNanoseconds))
        self.queue = queue
        self.completion = completion
    }

    deinit {
        // A safety net: every path finishes a request before dropping it.
        completion?(.failure(.connectionLost))
    }

    var isFinished: Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return completion == nil
    }

    /// The time left until the deadline, nil when it has passed.
    var remaining: Duration? {
        let now = DispatchTime.now().uptimeNanoseconds
        guard deadline.uptimeNanoseconds > now else { return nil }
        return .nanoseconds(Int64(clamping: deadline.uptimeNanoseconds - now))
    }

    /// Runs the completion the first time; later calls do nothing.
    func finish(_ result: Result<ShownNotification, DesktopError>) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

/// What the notifier shares between its queue and its callers: the handlers and what the
/// server is known to support.
final class NotifierShared: Sendable {
    typealias ActionHandler = @Sendable (ShownNotification, String) -> Void
    typealias ClosedHandler = @Sendable (ShownNotification, UInt32) -> Void

    private struct State {
        var action: ActionHandler?
        var closed: ClosedHandler?
        var supportsActions: Bool?
    }

    private let state = Mutex(State())

    func setHandlers(action: @escaping ActionHandler, closed: @escaping ClosedHandler) {
        state.withLock {
            $0.action = action
            $0.closed = closed
        }
    }

    var actionHandler: ActionHandler? { state.withLock { $0.action } }
    var closedHandler: ClosedHandler? { state.withLock { $0.closed } }

    var supportsActions: Bool? {
        get { state.withLock { $0.supportsActions } }
        set { state.withLock { $0.supportsActions = newValue } }
    }
}

/// The notifier's work, all on its serial queue: finds (or re-opens) the session bus
/// connection at each send, asks a new connection's server for its capabilities before the
/// first `Notify`, and sends each `Notify` asynchronously with the time its request has left.
///
/// `@unchecked Sendable`: every member is used on `queue` only.
final class NotificationSession: @unchecked Sendable {
    private let queue: DispatchQueue
    let timeout: Duration
    private let shared: NotifierShared
    private var connection: BusConnection?

    init(queue: DispatchQueue, timeout: Duration, shared: NotifierShared) {
        self.queue = queue
        self.timeout = timeout
        self.shared = shared
    }

    func submit(_ request: NotifyRequest) {
        dispatchPrecondition(condition: .onQueue(queue))
        let connection: BusConnection
        switch currentConnection() {
        case .success(let open):
            connection = open
        case .failure(let error):
            request.finish(.failure(error))
            return
        }
        watchDeadline(of: request, on: connection)
        if connection.capabilities != nil {
            send(request, on: connection)
        } else {
            connection.waiting.append(request)
            if !connection.capabilityQueryInFlight {
                queryCapabilities(on: connection)
            }
        }
        connection.pump()
    }

    /// Closes `shown` if the server that showed it is still the one running; another
    /// server's notification with the same id is left alone. Best effort: nothing to report.
    func close(_ shown: ShownNotification) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard case .success(let connection) = currentConnection() else { return }
        if connection.capabilities != nil {
            sendClose(shown, on: connection)
        } else {
            connection.waitingCloses.append(shown)
            if !connection.capabilityQueryInFlight {
                queryCapabilities(on: connection)
            }
        }
        connection.pump()
    }

    private func sendClose(_ shown: ShownNotification, on connection: BusConnection) {
        guard connection.server == shown.server, let unique = NotificationsAPI.uniqueName(ofServer: shown.server),
            let message = try? NotificationsAPI.closeCall(shown.id, to: unique, on: connection.bus)
        else {
            return
        }
        try? connection.bus.callAsync(message, timeout: timeout) { _ in }
    }

    /// Closes the connection; what is still pending fails.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        if let connection {
            drop(connection)
        }
    }

    // MARK: - The connection

    /// The open connection, or a new one when there is none or it broke.
    private func currentConnection() -> Result<BusConnection, DesktopError> {
        if let connection, connection.isUsable {
            return .success(connection)
        }
        if let stale = connection {
            drop(stale)
        }
        let bus: SDBus
        do {
            bus = try SDBus.openUser()
        } catch {
            guard case .failed(_, let errno) = error else { return .failure(.connectionLost) }
            return .failure(
                .noSessionBus(
                    errno: errno,
                    address: Self.environment("DBUS_SESSION_BUS_ADDRESS"),
                    runtimeDirectory: Self.environment("XDG_RUNTIME_DIR")))
        }
        let fresh: BusConnection
        do {
            fresh = try BusConnection(bus: bus, queue: queue)
        } catch {
            bus.close()
            return .failure(.from(error, timeout: timeout))
        }
        fresh.onBroken = { [weak self, weak fresh] in
            guard let self, let fresh else { return }
            self.drop(fresh)
        }
        connection = fresh
        shared.supportsActions = nil
        subscribe(on: fresh)
        return .success(fresh)
    }

    /// Forgets `connection` and closes it; its pending calls fail with `.connectionLost`, so
    /// their callers retry, and the next send opens a new connection.
    private func drop(_ stale: BusConnection) {
        if connection === stale {
            connection = nil
        }
        stale.close()
        let waiting = stale.waiting
        stale.waiting.removeAll()
        stale.waitingCloses.removeAll()
        for request in waiting {
            request.finish(.failure(.connectionLost))
        }
    }

    /// Matches for the buttons, closings and server changes, installed before any call so
    /// that no signal for a notification sent on this connection can be missed.
    private func subscribe(on connection: BusConnection) {
        let shared = self.shared
        // A failed subscription only loses signals, and the notification still shows.
        try? connection.bus.addMatchAsync(NotificationsAPI.actionInvokedRule) { [weak connection] reader in
            guard let id = try? reader.readUInt32(), let key = try? reader.readString(),
                let server = connection?.serverName(of: reader)
            else { return }
            shared.actionHandler?(ShownNotification(id: id, server: server), key)
        }
        try? connection.bus.addMatchAsync(NotificationsAPI.notificationClosedRule) { [weak connection] reader in
            guard let id = try? reader.readUInt32(), let reason = try? reader.readUInt32(),
                let server = connection?.serverName(of: reader)
            else { return }
            shared.closedHandler?(ShownNotification(id: id, server: server), reason)
        }
        try? connection.bus.addMatchAsync(NotificationsAPI.ownerChangedRule) { [weak connection] reader in
            // NameOwnerChanged(s name, s old_owner, s new_owner): a server came, went or was
            // replaced. Ask again before the next Notify, and forget which server this is:
            // the ids the old one gave are not the new one's to replace or close.
            guard (try? reader.readString()) == NotificationsAPI.busName else { return }
            connection?.capabilities = nil
            connection?.server = nil
            shared.supportsActions = nil
        }
    }

    // MARK: - Calls

    private func queryCapabilities(on connection: BusConnection) {
        connection.capabilityQueryInFlight = true
        do {
            let message = try NotificationsAPI.capabilitiesCall(on: connection.bus)
            try connection.bus.callAsync(message, timeout: timeout) { [weak self, weak connection] result in
                guard let connection else { return }
                connection.capabilityQueryInFlight = false
                self?.capabilitiesArrived(result, on: connection)
            }
        } catch {
            connection.capabilityQueryInFlight = false
            capabilitiesArrived(.failure(error), on: connection)
        }
    }

    private func capabilitiesArrived(_ result: Result<SDBusMessageReader, SDBusFailure>, on connection: BusConnection) {
        switch result {
        case .success(let reader):
            // A reply of another shape is a server without buttons, not a failure.
            let capabilities = Set((try? reader.readStringArray()) ?? [])
            connection.capabilities = capabilities
            connection.server = connection.serverName(of: reader)
            shared.supportsActions = capabilities.contains(NotificationsAPI.actionsCapability)
        case .failure(let failure):
            let error = DesktopError.from(failure, timeout: timeout)
            guard error.code == .rejected else {
                // No server, no answer, no connection: the Notify would fare no better. The
                // capabilities stay unknown, so the next send asks again.
                let waiting = connection.waiting
                connection.waiting.removeAll()
                for request in waiting {
                    request.finish(.failure(error))
                }
                return
            }
            // A server without GetCapabilities: send, without buttons. Which server it is
            // stays unknown, so nothing of an earlier one is replaced.
            connection.capabilities = []
            shared.supportsActions = false
        }
        let waiting = connection.waiting
        connection.waiting.removeAll()
        for request in waiting {
            send(request, on: connection)
        }
        let closes = connection.waitingCloses
        connection.waitingCloses.removeAll()
        for shown in closes {
            sendClose(shown, on: connection)
        }
        // Called inside processing: the outer pump re-arms the timer for these calls.
    }

    private func send(_ request: NotifyRequest, on connection: BusConnection) {
        guard !request.isFinished else { return }
        guard let remaining = request.remaining else {
            request.finish(.failure(.timeout(timeout)))
            return
        }
        let timeout = self.timeout
        var replacesId: UInt32 = 0
        var unique: String?
        if let replaces = request.notification.replaces, let server = connection.server, replaces.server == server,
            let name = NotificationsAPI.uniqueName(ofServer: server)
        {
            replacesId = replaces.id
            unique = name
        }
        do {
            let message = try NotificationsAPI.notifyCall(
                request.notification, replacesId: replacesId, to: unique, capabilities: connection.capabilities ?? [],
                on: connection.bus
            )
            try connection.bus.callAsync(message, timeout: remaining) { [weak connection] result in
                let shown = result.flatMap { reader in
                    Result { () throws(SDBusFailure) in
                        ShownNotification(id: try reader.readUInt32(), server: connection?.serverName(of: reader) ?? "")
                    }
                }
                request.finish(shown.mapError { DesktopError.from($0, timeout: timeout) })
            }
        } catch {
            request.finish(.failure(.from(error, timeout: timeout)))
        }
    }

    /// A backstop behind sd-bus's own timeouts, which do not run while a connection is still
    /// connecting or authenticating: at the deadline (plus a little, so sd-bus's answer comes
    /// first when it can), the request fails, and a connection that never became ready is
    /// dropped so the next send starts afresh.
    private func watchDeadline(of request: NotifyRequest, on connection: BusConnection) {
        let timeout = self.timeout
        queue.asyncAfter(deadline: request.deadline + .milliseconds(500)) { [weak self, weak connection] in
            guard !request.isFinished else { return }
            request.finish(.failure(.timeout(timeout)))
            if let self, let connection, self.connection === connection, !connection.bus.isReady {
                self.drop(connection)
            }
        }
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

extension Duration {
    var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (nanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : nanos.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
