import Dispatch
import Glibc
import Synchronization

/// One `notify` call on its way: the notification, when it must be answered by, and the
/// completion, which runs exactly once.
///
/// Created on the caller's thread, then used only on the notifier's queue.
final class NotifyRequest: @unchecked Sendable {
    let notification: DesktopNotification
    let deadline: DispatchTime
    private var completion: (@Sendable (Result<UInt32, DesktopError>) -> Void)?

    init(_ notification: DesktopNotification, timeout: Duration,
         completion: @escaping @Sendable (Result<UInt32, DesktopError>) -> Void) {
        self.notification = notification
        self.deadline = .now() + .nanoseconds(Int(clamping: timeout.totalNanoseconds))
        self.completion = completion
    }

    deinit {
        // A safety net: every path finishes a request before dropping it.
        completion?(.failure(.connectionLost))
    }

    var isFinished: Bool { completion == nil }

    /// The time left until the deadline, nil when it has passed.
    var remaining: Duration? {
        let now = DispatchTime.now().uptimeNanoseconds
        guard deadline.uptimeNanoseconds > now else { return nil }
        return .nanoseconds(Int64(clamping: deadline.uptimeNanoseconds - now))
    }

    /// Runs the completion the first time; later calls do nothing.
    func finish(_ result: Result<UInt32, DesktopError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

/// What the notifier shares between its queue and its callers: the handlers and what the
/// server is known to support.
final class NotifierShared: Sendable {
    typealias ActionHandler = @Sendable (UInt32, String) -> Void
    typealias ClosedHandler = @Sendable (UInt32, UInt32) -> Void

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
        if let capabilities = connection.capabilities {
            send(request, withActions: capabilities.contains(NotificationsAPI.actionsCapability), on: connection)
        } else {
            connection.waiting.append(request)
            if !connection.capabilityQueryInFlight {
                queryCapabilities(on: connection)
            }
        }
        connection.pump()
    }

    /// Opens a connection now, if there is none, so that buttons on a notification shown
    /// before a restart are heard; returns the error when there is no bus to connect to.
    func listen() -> DesktopError? {
        dispatchPrecondition(condition: .onQueue(queue))
        switch currentConnection() {
        case .success(let connection):
            connection.pump()
            return nil
        case .failure(let error):
            return error
        }
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
            return .failure(.noSessionBus(errno: errno,
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
        for request in waiting {
            request.finish(.failure(.connectionLost))
        }
    }

    /// Matches for the buttons, closings and server changes, installed before any call so
    /// that no signal for a notification sent on this connection can be missed.
    private func subscribe(on connection: BusConnection) {
        let shared = self.shared
        // A failed subscription only loses signals, and the notification still shows.
        try? connection.bus.addMatchAsync(NotificationsAPI.actionInvokedRule) { reader in
            guard let id = try? reader.readUInt32(), let key = try? reader.readString() else { return }
            shared.actionHandler?(id, key)
        }
        try? connection.bus.addMatchAsync(NotificationsAPI.notificationClosedRule) { reader in
            guard let id = try? reader.readUInt32(), let reason = try? reader.readUInt32() else { return }
            shared.closedHandler?(id, reason)
        }
        try? connection.bus.addMatchAsync(NotificationsAPI.ownerChangedRule) { [weak connection] reader in
            // NameOwnerChanged(s name, s old_owner, s new_owner): a server came, went or was
            // replaced; ask again before the next Notify.
            guard (try? reader.readString()) == NotificationsAPI.busName else { return }
            connection?.capabilities = nil
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
            // A server without GetCapabilities: send, without buttons.
            connection.capabilities = []
            shared.supportsActions = false
        }
        let waiting = connection.waiting
        connection.waiting.removeAll()
        let withActions = connection.capabilities?.contains(NotificationsAPI.actionsCapability) ?? false
        for request in waiting {
            send(request, withActions: withActions, on: connection)
        }
        // Called inside processing: the outer pump re-arms the timer for these calls.
    }

    private func send(_ request: NotifyRequest, withActions: Bool, on connection: BusConnection) {
        guard !request.isFinished else { return }
        guard let remaining = request.remaining else {
            request.finish(.failure(.timeout(timeout)))
            return
        }
        let timeout = self.timeout
        do {
            let message = try NotificationsAPI.notifyCall(request.notification, withActions: withActions, on: connection.bus)
            try connection.bus.callAsync(message, timeout: remaining) { result in
                let id = result.flatMap { reader in
                    Result { () throws(SDBusFailure) in try reader.readUInt32() }
                }
                request.finish(id.mapError { DesktopError.from($0, timeout: timeout) })
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
