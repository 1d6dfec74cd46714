import BreatherCore
import BreatherDesktopBus
import Dispatch
import Glibc

/// Tells the daemon when the machine is about to sleep and when it has woken, from logind's
/// `PrepareForSleep` signal on the system bus, and holds a *delay* inhibitor lock so that the
/// daemon can finish what is on its way (a message being sent) before the machine sleeps.
///
/// logind waits for delay locks only if they are held before it announces the sleep, so the
/// lock is taken at start and again after each resume, and released once the daemon says it
/// is done — or, at the latest, just before logind would stop waiting (`InhibitDelayMaxSec`,
/// 5 s by default).
///
/// Wall-clock timers already fire on resume for a deadline that passed during sleep; on
/// waking, the daemon checks at once what fell due and says so in the journal. Without a
/// system bus (a container) it stays silent and never polls, so an idle daemon stays asleep;
/// a connection that breaks later is opened again with backoff.
///
/// Its state is used only on `queue` (`start` goes there with `sync`); `@unchecked Sendable`
/// so Dispatch handlers may capture it.
public final class SleepWatcher: @unchecked Sendable {
    static let rule =
        "type='signal',sender='org.freedesktop.login1',interface='org.freedesktop.login1.Manager',member='PrepareForSleep',path='/org/freedesktop/login1'"
    /// Released at the latest this long after the announcement: inside logind's default
    /// 5 s, with room for the release to reach it.
    static let longestDelay: DispatchTimeInterval = .milliseconds(4000)

    /// Called once the daemon has nothing more on its way before sleep; safe to call from any
    /// thread, and more than once.
    public typealias Release = @Sendable () -> Void

    private let queue = DispatchQueue(label: "breather.sleep-watcher")
    private let handler: @Sendable (_ goingToSleep: Bool, _ release: @escaping Release) -> Void
    private var connection: BusConnection?
    private var retryTimer: DispatchSourceTimer?
    private var retryDelay = 1.0
    /// The delay lock: a descriptor logind watches; closing it releases the lock.
    private var lock: OwnedDescriptor?
    /// The latest moment to let go before sleep, cancelled once released or on waking.
    private var deadline: DispatchWorkItem?
    /// Which announcement a release belongs to, so a late release cannot drop a newer lock.
    private var generation = 0

    /// `handler` runs on the watcher's queue: (true, release) before sleep — call `release`
    /// when nothing more needs doing — and (false, a no-op) after waking.
    public init(handler: @escaping @Sendable (_ goingToSleep: Bool, _ release: @escaping Release) -> Void) {
        self.handler = handler
    }

    /// Connects now; returns a sentence when there is no system bus to listen on.
    public func start() -> String? {
        queue.sync { connect() }
    }

    /// Whether the delay lock is held now (for tests and `doctor`).
    public var holdsDelayLock: Bool {
        queue.sync { lock != nil }
    }

    private func connect() -> String? {
        dispatchPrecondition(condition: .onQueue(queue))
        do throws(SDBusFailure) {
            let bus = try SDBus.openSystem()
            let connection = try BusConnection(bus: bus, queue: queue)
            connection.onBroken = { [weak self] in self?.reconnectLater() }
            try bus.addMatchAsync(SleepWatcher.rule) { [weak self] reader in
                if let goingToSleep = try? reader.readBool() { self?.prepareForSleep(goingToSleep) }
            }
            self.connection = connection
            retryDelay = 1
            takeDelayLock()
            connection.pump()
            return nil
        } catch {
            if case .failed(_, let errno) = error {
                let reason = Errno(errno).systemText
                return "Not listening for suspend and resume: there is no system bus to hear logind on (\(reason))."
            }
            return "Not listening for suspend and resume: the system bus did not accept a connection."
        }
    }

    private func prepareForSleep(_ goingToSleep: Bool) {
        dispatchPrecondition(condition: .onQueue(queue))
        // Each announcement, either way, starts a new generation: a release or a deadline
        // left over from the last sleep can never close the lock taken after waking.
        generation += 1
        deadline?.cancel()
        deadline = nil
        guard goingToSleep else {
            takeDelayLock()
            handler(false, {})
            return
        }
        let current = generation
        let release: Release = { [weak self] in
            guard let self else { return }
            self.queue.async { self.releaseDelayLock(generation: current) }
        }
        let cap = DispatchWorkItem { [weak self] in self?.releaseDelayLock(generation: current) }
        deadline = cap
        queue.asyncAfter(deadline: .now() + Self.longestDelay, execute: cap)
        handler(true, release)
    }

    /// `Inhibit("sleep", "Breather", why, "delay") → h`, asynchronously; a failure only
    /// means the machine may sleep with a message still on its way.
    private func takeDelayLock() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lock == nil, let connection else { return }
        do throws(SDBusFailure) {
            let call = try connection.bus.methodCall(
                destination: "org.freedesktop.login1", path: "/org/freedesktop/login1",
                interface: "org.freedesktop.login1.Manager", member: "Inhibit"
            )
            try call.append("sleep")
            try call.append("Breather")
            try call.append("Lets a message on its way to your partner go out before the machine sleeps.")
            try call.append("delay")
            try connection.bus.callAsync(call, timeout: .seconds(10)) { [weak self] result in
                guard let self, case .success(let reader) = result, let fd = try? reader.readUnixFD() else { return }
                dispatchPrecondition(condition: .onQueue(self.queue))
                // A second lock (two calls crossed) is closed as it goes out of scope.
                if self.lock == nil { self.lock = fd }
            }
        } catch {
            return
        }
    }

    private func releaseDelayLock(generation released: Int) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard released == generation, let held = lock else { return }
        deadline?.cancel()
        deadline = nil
        held.close()
        lock = nil
    }

    private func reconnectLater() {
        dispatchPrecondition(condition: .onQueue(queue))
        connection = nil
        lock?.close()
        lock = nil
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            dispatchPrecondition(condition: .onQueue(self.queue))
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
