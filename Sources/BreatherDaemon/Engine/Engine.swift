import BreatherCore
import Dispatch
import Foundation
import Logging

/// The daemon's one owner of state, and only an executor: every command, tick and delivery
/// result runs on its serial queue, goes through the break machine as one `Transition`, is
/// saved once, and only then is carried out. What to do is the machine's decision; how to
/// word it is `ReplyWording`'s.
///
/// Blocking work (HTTP, the bus, socket writes) never runs here: the queue that keeps time
/// is never held up by a slow receiver.
final class Engine: @unchecked Sendable {
    let queue = DispatchQueue(label: "breather.engine")
    let heartbeat = EngineHeartbeat()
    var machine: BreakMachine
    var configuration: Configuration
    let paths: Paths
    let clock: any WallClock
    let transport: any DeliveryTransport
    let logger: Logger
    let keeper: StateKeeper
    let records: RecordWriter
    private let onStatus: @Sendable (String) -> Void
    private let makeTimer: (DispatchQueue, @escaping @Sendable () -> Void) -> any WakeTimer
    private var timer: (any WakeTimer)?
    var settleQueued = false
    /// Set while the machine waits to sleep: called once nothing is on its way.
    var sleepRelease: (@Sendable () -> Void)?
    var answerReader: AnswerReader?

    init(
        paths: Paths, configuration: Configuration, state: BreatherState, clock: any WallClock,
        transport: any DeliveryTransport, logger: Logger, onStatus: @escaping @Sendable (String) -> Void,
        makeTimer: @escaping (DispatchQueue, @escaping @Sendable () -> Void) -> any WakeTimer = WallClockTimer.init
    ) {
        self.paths = paths
        self.configuration = configuration
        self.keeper = StateKeeper(path: paths.stateFile, logger: logger, queue: queue)
        self.records = RecordWriter(history: HistoryFile(path: paths.historyFile), logger: logger)
        self.clock = clock
        self.transport = transport
        self.logger = logger
        self.onStatus = onStatus
        self.makeTimer = makeTimer
        self.machine = BreakMachine(state: state, settings: configuration.settings)
        self.answerReader = AnswerReader(
            queue: queue, transport: transport, logger: logger, run: { [weak self] in self?.run($0) },
            deliver: { [weak self] in self?.answersRead($0) })
    }

    /// Runs `body` on the queue as one piece of the engine's work, seen by the watchdog.
    func run(_ body: @escaping @Sendable () -> Void) {
        queue.async { [heartbeat] in heartbeat.during(body) }
    }

    /// Writes what the last run saved but did not write, shows the running break's
    /// notification again, arms the timer and catches up. Called on `queue`.
    func start() {
        dispatchPrecondition(condition: .onQueue(queue))
        timer = makeTimer(queue) { [weak self] in self?.heartbeat.during { self?.tick() } }
        writeHeldRecords(afterRestart: true)
        showNotificationAgain()
        tick()
    }

    // MARK: Commands

    /// Carries out `command`: saved before it is acknowledged; nothing changes if it is not.
    func execute(_ command: BreakCommand) -> ControlResponse {
        dispatchPrecondition(condition: .onQueue(queue))
        var next = machine
        let now = clock.now()
        let transition: Transition
        do {
            transition = try next.apply(command, now: now)
        } catch {
            return ControlResponse(ok: false, error: error)
        }
        do {
            try keeper.save(next.state, transition)
        } catch {
            logger.error("Could not save the state, so the command was refused: \(error.description)")
            let kept =
                machine.state.activeBreak == nil
                ? "nothing changed" : "nothing changed, and the running break keeps its time"
            return .failure(.stateNotSaved, "The change could not be saved (\(error.description)); \(kept).")
        }
        machine = next
        act(transition)
        guard let outcome = transition.outcome else { return .success("Done.") }
        return .success(ReplyWording.sentence(for: outcome, values: machine.values, now: clock.now()))
    }

    // MARK: Time and results

    func tick() {
        var next = machine
        let transition = next.advance(now: clock.now())
        commit(next, transition)
    }

    func finished(_ deliveryId: String, _ result: AttemptResult, shown: ShownNotification?) {
        var next = machine
        let jitter = Double.random(in: 0..<1)
        let transition = next.record(
            deliveryId: deliveryId, result: result, shown: shown, now: clock.now(), jitter: jitter)
        commit(next, transition)
        releaseSleepIfIdle()
    }

    /// Keeps a change that time or a receiver caused. A promise is kept even when the disk
    /// refuses: the change stays in memory, is acted on, and saving is tried again later.
    func commit(_ next: BreakMachine, _ transition: Transition) {
        dispatchPrecondition(condition: .onQueue(queue))
        var transition = transition
        // Attempts of deliveries already on disk need not wait for this save: a reminder
        // queued ahead of its time goes out at its instant, not after an fsync.
        if !keeper.behind {
            let saved = Set(machine.state.outbox.map(\.id))
            let early = transition.attempts.filter { saved.contains($0.id) }
            transition.attempts.removeAll { saved.contains($0.id) }
            send(early)
        }
        if keeper.behind || next.state != machine.state {
            keeper.keep(next.state, transition)
        }
        machine = next
        act(transition)
    }

    // MARK: Acting

    private func act(_ transition: Transition) {
        send(transition.attempts)
        if let shown = transition.closeNotification { transport.close(shown) }
        writeHeldRecords(afterRestart: false)
        timer?.arm(at: machine.nextWake())
        refreshAnswerReading()
        onStatus(ReplyWording.statusSentence(for: machine.state, values: machine.values))
    }

    private func send(_ deliveries: [Delivery]) {
        for delivery in deliveries {
            let onScreen = machine.state.activeBreak.flatMap { $0.id == delivery.breakId ? $0.shownNotification : nil }
            let channel = configuration.settings.channels[delivery.channel]
            transport.send(delivery, through: channel, replacing: onScreen) { [weak self] result, shown in
                guard let self else { return }
                run { self.finished(delivery.id, result, shown: shown) }
            }
        }
    }
}
