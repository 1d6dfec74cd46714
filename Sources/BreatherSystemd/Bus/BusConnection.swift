import BreatherCore
import BreatherDesktopBus
import Dispatch
import Glibc

/// One `SDBus` driven from one serial queue: a read source (and, while sd-bus has output
/// queued, a write source) on the connection's socket, and a timer re-armed from
/// `sd_bus_get_timeout`. Each wake-up drains `sd_bus_process` until it returns 0.
///
/// The sources watch a duplicate of sd-bus's socket, closed only after both sources are
/// cancelled: sd-bus closes its own descriptor the moment the connection breaks, and a
/// Dispatch source must never outlive the descriptor it watches (a new socket could get the
/// same number).
///
/// Used only on `queue`; `@unchecked Sendable` so Dispatch handlers may capture it.
final class BusConnection: @unchecked Sendable {
    let bus: SDBus
    private let queue: DispatchQueue
    private let readSource: any DispatchSourceRead
    private let writeSource: any DispatchSourceWrite
    private let timer: any DispatchSourceTimer
    private var writeArmed = false
    private var everArmedWrite = false
    private var processing = false
    private(set) var isClosed = false

    /// Runs once, on the queue, after processing found the connection broken.
    var onBroken: (() -> Void)?

    // What the notifier keeps per connection.
    /// The server's capabilities; nil until `GetCapabilities` answered on this connection
    /// (or after the server changed).
    var capabilities: Set<String>?
    var capabilityQueryInFlight = false
    /// Requests waiting for the capabilities before their `Notify` goes out.
    var waiting: [NotifyRequest] = []
    /// Closes waiting for the same answer, which says which server runs now.
    var waitingCloses: [ShownNotification] = []
    /// Which server answered `GetCapabilities` (bus id and unique name); nil when unknown
    /// or after the server changed.
    var server: String?

    /// The bus id and unique name of the peer that sent `reader`'s message.
    func serverName(of reader: SDBusMessageReader) -> String? {
        guard let sender = reader.sender, let busId = bus.busId else { return nil }
        return busId + "/" + sender
    }

    init(bus: SDBus, queue: DispatchQueue) throws(SDBusFailure) {
        dispatchPrecondition(condition: .onQueue(queue))
        self.bus = bus
        self.queue = queue
        let busFD = bus.fileDescriptor
        try SDBusFailure.check(busFD, "Could not get the bus socket")
        let watched: Int32
        switch SystemCall.valueOrErrno({ fcntl(busFD, F_DUPFD_CLOEXEC, 0) }) {
        case .success(let duplicate):
            watched = duplicate
        case .failure(let error):
            throw SDBusFailure.failed(what: "Could not duplicate the bus socket", errno: error.rawValue)
        }
        let descriptor = OwnedDescriptor(watched)
        readSource = DispatchSource.makeReadSource(fileDescriptor: watched, queue: queue)
        writeSource = DispatchSource.makeWriteSource(fileDescriptor: watched, queue: queue)
        timer = DispatchSource.makeTimerSource(queue: queue)
        // Each cancel handler holds the descriptor; it closes when the last one is released.
        readSource.setCancelHandler { _ = descriptor }
        writeSource.setCancelHandler { _ = descriptor }
        readSource.setEventHandler { [weak self] in self?.pump() }
        writeSource.setEventHandler { [weak self] in self?.pump() }
        timer.setEventHandler { [weak self] in self?.pump() }
        timer.schedule(deadline: .distantFuture)
        readSource.activate()
        timer.activate()
        // The write source stays inactive (counted as suspended) until sd-bus wants POLLOUT.
    }

    deinit {
        // The last reference may go on another thread; nothing else can touch it by then.
        shutDown()
    }

    /// True while the connection can carry calls (still connecting counts).
    var isUsable: Bool {
        !isClosed && bus.isOpen
    }

    /// Lets sd-bus do all it can now, then re-arms the sources and the timer. Call after
    /// every send. Reentrant calls (from a callback inside processing) return at once; the
    /// outer call re-arms.
    func pump() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !processing, !isClosed else { return }
        processing = true
        var broken = false
        while true {
            let result = bus.process()
            if result < 0 {
                broken = true
                break
            }
            if result == 0 { break }
        }
        if !bus.isOpen {
            broken = true  // closing or closed without an error from process()
        }
        processing = false
        if broken {
            onBroken?()
        } else {
            rearm()
        }
    }

    /// Stops watching the socket and closes the connection. Pending calls complete (with
    /// `.disconnected`) inside this call. Idempotent.
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        shutDown()
    }

    private func shutDown() {
        guard !isClosed else { return }
        isClosed = true
        onBroken = nil
        readSource.cancel()
        timer.cancel()
        writeSource.cancel()
        if !writeArmed {
            // A suspended or inactive source must not be released.
            writeSource.activateOrResume(first: !everArmedWrite)
            writeArmed = true
        }
        bus.close()
    }

    private func rearm() {
        dispatchPrecondition(condition: .onQueue(queue))
        let events = bus.events
        let wantsOutput = events > 0 && (events & Int32(POLLOUT)) != 0
        if wantsOutput && !writeArmed {
            writeSource.activateOrResume(first: !everArmedWrite)
            everArmedWrite = true
            writeArmed = true
        } else if !wantsOutput && writeArmed {
            writeSource.suspend()
            writeArmed = false
        }
        if let deadline = bus.nextTimeout {
            let now = Self.monotonicMicroseconds()
            let delay = deadline > now ? deadline - now : 0
            timer.schedule(deadline: .now() + .microseconds(Int(clamping: delay)), leeway: .milliseconds(1))
        } else {
            timer.schedule(deadline: .distantFuture)
        }
    }

    /// sd-bus's clock: CLOCK_MONOTONIC in microseconds.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}

extension DispatchSourceProtocol {
    /// The first arming of a source created inactive is `activate()`; later ones `resume()`.
    fileprivate func activateOrResume(first: Bool) {
        if first { activate() } else { resume() }
    }
}
