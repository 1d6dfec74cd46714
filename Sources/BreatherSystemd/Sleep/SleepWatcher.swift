import Dispatch
import Glibc

/// Tells the daemon when the machine is about to sleep and when it has woken, from logind's
/// `PrepareForSleep` signal on the system bus.
///
/// Wall-clock timers already fire on resume for a deadline that passed during sleep; this is
/// the second pair of braces: on waking, the daemon checks at once what fell due and says so
/// in the journal. Without a system bus (a container) it stays silent and never polls, so an
/// idle daemon stays asleep; a connection that breaks later is opened again with backoff.
public final class SleepWatcher: @unchecked Sendable {
    static let rule = "type='signal',sender='org.freedesktop.login1',interface='org.freedesktop.login1.Manager',member='PrepareForSleep',path='/org/freedesktop/login1'"

    private let queue = DispatchQueue(label: "breather.sleep-watcher")
    private let handler: @Sendable (_ goingToSleep: Bool) -> Void
    private var connection: BusConnection?
    private var retryTimer: DispatchSourceTimer?
    private var retryDelay = 1.0

    /// `handler` runs on the watcher's queue: true before sleep, false after waking.
    public init(handler: @escaping @Sendable (_ goingToSleep: Bool) -> Void) {
        self.handler = handler
    }

    /// Connects now; returns a sentence when there is no system bus to listen on.
    public func start() -> String? {
        queue.sync { connect() }
    }

    private func connect() -> String? {
        dispatchPrecondition(condition: .onQueue(queue))
        do throws(SDBusFailure) {
            let bus = try SDBus.openSystem()
            let connection = try BusConnection(bus: bus, queue: queue)
            connection.onBroken = { [weak self] in self?.reconnectLater() }
            let handler = self.handler
            try bus.addMatchAsync(SleepWatcher.rule) { reader in
                if let goingToSleep = try? reader.readBool() { handler(goingToSleep) }
            }
            self.connection = connection
            retryDelay = 1
            connection.pump()
            return nil
        } catch {
            if case .failed(_, let errno) = error {
                return "Not listening for suspend and resume: there is no system bus to hear logind on (\(String(cString: strerror(errno))))."
            }
            return "Not listening for suspend and resume: the system bus did not accept a connection."
        }
    }

    private func reconnectLater() {
        connection = nil
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.retryTimer = nil
            if self.connect() != nil {
                self.retryDelay = min(self.retryDelay * 2, 300)
                self.reconnectLater()
            }
        }
        timer.schedule(deadline: .now() + retryDelay)
        timer.resume()
        retryTimer = timer
    }
}
