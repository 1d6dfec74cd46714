import BreatherCore
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket: accepts connections, refuses peers of another user, and hands each
/// request line to the handler. After `start()`, used only on `queue` (with its connections).
final class ControlServer: @unchecked Sendable {
    static let maximumConnections = 256

    private let listener: Int32
    private let queue = DispatchQueue(label: "breather.control")
    private let handler: ControlConnection.Handler
    private var acceptSource: DispatchSourceRead?
    private var connections: [ObjectIdentifier: ControlConnection] = [:]
    private let owner = getuid()

    init(listener: Int32, handler: @escaping ControlConnection.Handler) {
        self.listener = listener
        self.handler = handler
    }

    func start() {
        UnixSocket.setNonBlocking(listener)
        let source = DispatchSource.makeReadSource(fileDescriptor: listener, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptAll() }
        acceptSource = source
        source.resume()
    }

    private func acceptAll() {
        dispatchPrecondition(condition: .onQueue(queue))
        while let fd = UnixSocket.accept(listener) {
            let connection = ControlConnection(fd: fd, queue: queue, handler: handler) { [weak self] closed in
                guard let self else { return }
                dispatchPrecondition(condition: .onQueue(self.queue))
                self.connections.removeValue(forKey: ObjectIdentifier(closed))
            }
            connections[ObjectIdentifier(connection)] = connection
            connection.start()
            if UnixSocket.peerUID(fd) != owner {
                connection.refuse(
                    ControlError(
                        code: .badRequest, message: "This breatherd belongs to another user and answers only its owner."
                    ))
            } else if connections.count > ControlServer.maximumConnections {
                connection.refuse(
                    ControlError(
                        code: .badRequest, message: "breatherd has too many open connections; try again in a moment."))
            }
        }
    }
}
