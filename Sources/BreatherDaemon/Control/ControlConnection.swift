import BreatherCore
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One client of the control socket: reads lines without ever blocking, hands each request
/// to the handler, writes the answer off the reading queue.
///
/// A line over the size limit, a malformed request, or silence for `idleTimeout` seconds
/// ends the connection; none of that holds up any other client. Used only on `queue` (each
/// entry point checks it); the descriptor is closed once, by the read source's cancel
/// handler, after any write in progress has finished.
final class ControlConnection: @unchecked Sendable {
    typealias Handler = @Sendable (ControlRequest, @escaping @Sendable (ControlResponse) -> Void) -> Void

    static let idleTimeout = 30

    private let descriptor: OwnedDescriptor
    private let fd: Int32
    private let queue: DispatchQueue
    private let handler: Handler
    private let onClose: @Sendable (ControlConnection) -> Void
    /// Writes happen here, one queue per connection: a client that does not read blocks only
    /// its own answer. (Not a global queue: on Linux, using one starts libdispatch's
    /// once-a-second pool monitor, which would wake an idle daemon forever.)
    private let writer = DispatchQueue(label: "breather.control.writer")
    private var source: DispatchSourceRead?
    private var idleTimer: DispatchSourceTimer?
    private var buffer: [UInt8] = []
    /// A request is with the handler, or its answer is being written.
    private var busy = false
    private var writing = false
    private var suspended = false
    private var peerDone = false
    private var closed = false

    init(
        fd: Int32, queue: DispatchQueue, handler: @escaping Handler,
        onClose: @escaping @Sendable (ControlConnection) -> Void
    ) {
        self.descriptor = OwnedDescriptor(fd)
        self.fd = fd
        self.queue = queue
        self.handler = handler
        self.onClose = onClose
    }

    /// Starts reading. Called on `queue`.
    func start() {
        dispatchPrecondition(condition: .onQueue(queue))
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable() }
        source.setCancelHandler { [self] in
            descriptor.close()
            onClose(self)
        }
        self.source = source
        source.resume()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in
            guard let self, !self.busy else { return }
            self.close()
        }
        idleTimer = timer
        let idle = DispatchTimeInterval.seconds(ControlConnection.idleTimeout)
        timer.schedule(deadline: .now() + idle, repeating: idle)
        timer.resume()
    }

    /// Answers with an error and closes; for refusals and bad requests. Called on `queue`.
    func refuse(_ error: ControlError) {
        dispatchPrecondition(condition: .onQueue(queue))
        busy = true
        suspendReading()
        write(ControlResponse(ok: false, error: error), thenClose: true)
    }

    private func readAvailable() {
        dispatchPrecondition(condition: .onQueue(queue))
        var chunk = [UInt8](repeating: 0, count: 16384)
        while !closed, !suspended {
            let received = SystemCall.valueOrErrno {
                chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            }
            let count: Int
            switch received {
            case .success(let value):
                count = value
            case .failure(let error):
                // EWOULDBLOCK is EAGAIN on Linux: nothing more to read now.
                if error != .wouldBlock { close() }
                return
            }
            if count == 0 {
                peerDone = true
                suspendReading()
                processBuffer()
                if !busy { close() }
                return
            }
            buffer.append(contentsOf: chunk[0..<count])
            let idle = DispatchTimeInterval.seconds(ControlConnection.idleTimeout)
            idleTimer?.schedule(deadline: .now() + idle, repeating: idle)
            processBuffer()
        }
    }

    private func processBuffer() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !busy, !closed else { return }
        guard let newline = buffer.firstIndex(of: 10) else {
            if buffer.count > ControlRequest.maximumLineBytes {
                buffer.removeAll()
                let limit = ControlRequest.maximumLineBytes
                refuse(ControlError(code: .badRequest, message: "The request is longer than \(limit) bytes."))
            }
            return
        }
        let line = Array(buffer[..<newline])
        buffer.removeSubrange(...newline)
        switch RequestDecoder.decode(line) {
        case .failure(let error):
            refuse(error)
        case .success(let request):
            busy = true
            suspendReading()
            handler(request) { [self] response in
                queue.async { [self] in write(response, thenClose: false) }
            }
        }
    }

    /// Writes the answer on the connection's writer queue (a client that does not read
    /// blocks only that write, bounded in time), then reads on or closes. Called on `queue`.
    private func write(_ response: ControlResponse, thenClose: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !closed else { return finishClose() }
        let data = (try? BreatherJSON.encoder().encode(response)) ?? Data(#"{"ok":false,"v":1}"#.utf8)
        let fd = self.fd
        writing = true
        writer.async { [self] in
            let written = UnixSocket.writeAll(fd, Array(data) + [10])
            queue.async { [self] in
                writing = false
                busy = false
                if closed || thenClose || !written {
                    close()
                    return
                }
                processBuffer()
                if busy { return }
                if peerDone { close() } else { resumeReading() }
            }
        }
    }

    private func suspendReading() {
        guard !suspended, let source else { return }
        suspended = true
        source.suspend()
    }

    private func resumeReading() {
        guard suspended, let source else { return }
        suspended = false
        source.resume()
    }

    /// Called on `queue`. Safe to call more than once.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        closed = true
        finishClose()
    }

    private func finishClose() {
        guard !writing, let source, !source.isCancelled else { return }
        idleTimer?.cancel()
        // Cancel first, then balance a suspension: resuming first re-arms the descriptor with
        // the event loop just as the cancel tears it down, a race seen once in libdispatch's
        // manager thread ("finalize unregistration") under a burst of connections.
        source.cancel()
        resumeReading()
    }
}
