import BreatherCore
import Dispatch
import Foundation
import Logging

/// The daemon's one owner of state: every command, tick and delivery outcome runs on its
/// serial queue, goes through the break machine, is saved, and only then acts.
///
/// Blocking work (HTTP, the bus, socket writes) never runs here: the queue that keeps time
/// is never held up by a slow receiver.
final class Engine: @unchecked Sendable {
    let queue = DispatchQueue(label: "breather.engine")
    private var machine: BreakMachine
    private var configuration: Configuration
    private let paths: Paths
    private let store: StateStore
    private let history: HistoryFile
    private let clock: any Clock
    private let sender: DeliverySender
    private let logger: Logger
    private let onStatus: @Sendable (String) -> Void
    private var timer: WallClockTimer?
    /// A save that failed outside a command (a tick, an outcome): tried again at each change.
    private var unsaved = false
    /// The file on disk still carries records that have since been written; a save soon
    /// after clears them, so that a restart does not write them again.
    private var savedRecords = false
    private var settleQueued = false

    init(
        paths: Paths, configuration: Configuration, state: BreatherState, clock: any Clock,
        sender: DeliverySender, logger: Logger, onStatus: @escaping @Sendable (String) -> Void
    ) {
        self.paths = paths
        self.configuration = configuration
        self.store = StateStore(path: paths.stateFile)
        self.history = HistoryFile(path: paths.historyFile)
        self.clock = clock
        self.sender = sender
        self.logger = logger
        self.onStatus = onStatus
        self.machine = BreakMachine(state: state, settings: configuration.settings)
    }

    /// Arms the timer and catches up with whatever fell due while the daemon was down.
    /// Called on `queue`.
    func start() {
        timer = WallClockTimer(queue: queue) { [weak self] in self?.tick() }
        writeRecordsLeftByTheLastRun()
        showNotificationAgain()
        tick()
    }

    /// History and journal lines saved with a change whose run was killed before writing
    /// them. A history line may already be there (readers keep one per break); a journal line
    /// may be written twice, and says it comes from before the restart.
    private func writeRecordsLeftByTheLastRun() {
        guard machine.state.unwritten != nil else { return }
        savedRecords = true
        writeRecords(afterRestart: true)
    }

    // MARK: Requests

    /// Answers one control request. Called from any thread; `reply` runs off the queue's
    /// critical path for commands that wait on a delivery (`test`).
    func handle(_ request: ControlRequest, reply: @escaping @Sendable (ControlResponse) -> Void) {
        queue.async { [self] in
            switch request.op {
            case .ping: reply(.success("breatherd is running."))
            case .status: reply(.success(statusSentence(), status: statusReport()))
            case .start: reply(start(request))
            case .back: reply(command { machine, now throws(ControlError) in try machine.back(now: now) } ?? backSentence())
            case .cancel: reply(command { machine, now throws(ControlError) in try machine.cancel(now: now) } ?? cancelSentence())
            case .extend: reply(extend(request))
            case .reload: reply(reload())
            case .test: test(request, reply: reply)
            }
        }
    }

    private var lastEnded: (Break, Date)?

    private func start(_ request: ControlRequest) -> ControlResponse {
        guard let word = request.plan ?? configuration.settings.defaultPlan else {
            return .failure(.unknownPlan, "No plan was named and breather.toml sets no default_plan; name one, such as `breather start cool-down` (`breather plans` lists them).")
        }
        guard let plan = configuration.plan(named: word) else {
            if let file = configuration.planFiles.first(where: { $0.name == word }), let problem = file.diagnostics.first {
                return .failure(.unknownPlan, "The plan \"\(word)\" has a problem and cannot start (\(problem)); fix it, run `breather reload`, and try again.")
            }
            return .failure(.unknownPlan, "There is no plan or code word \"\(word)\"; `breather plans` lists them.")
        }
        var duration: Span?
        if let text = request.for {
            guard let span = Span(duration: text) else {
                return .failure(.invalidArgument, "\"\(text)\" is not a duration; write it like 90s, 30m, 1h or 1h30m.")
            }
            duration = span
        }
        let id = Engine.newBreakId()
        if let failure = command({ machine, now throws(ControlError) in
            try machine.start(plan: plan, duration: duration, note: request.note, now: now, breakId: id)
        }) {
            return failure
        }
        guard let brk = machine.state.activeBreak else { return .failure(.stateNotSaved, "The break did not start.") }
        let values = machine.values
        let left = Span(seconds: Int(brk.checkinAt.timeIntervalSince(clock.now()).rounded())).spokenDescription
        var sentence = "Break started: check in with \(brk.partner) at \(values.clockTime(brk.checkinAt)), in \(left)."
        if let announce = plan.announce {
            sentence += " Announcement queued for \(announce.to.joined(separator: ", "))."
        }
        return .success(sentence)
    }

    private func extend(_ request: ControlRequest) -> ControlResponse {
        guard let text = request.duration, let span = Span(duration: text) else {
            return .failure(.invalidArgument, "\"\(request.duration ?? "")\" is not a duration; write it like 10m, 90s or 1h.")
        }
        if let failure = command({ machine, now throws(ControlError) in try machine.extend(by: span, now: now) }) {
            return failure
        }
        guard let brk = machine.state.activeBreak else { return .failure(.noBreak, "No break is running.") }
        let left = Span(seconds: Int(brk.checkinAt.timeIntervalSince(clock.now()).rounded())).spokenDescription
        var sentence = "Check-in moved to \(machine.values.clockTime(brk.checkinAt)), in \(left)."
        if let message = brk.plan.extend {
            sentence += " \(brk.partner) is told through \(message.to.joined(separator: ", "))."
        }
        return .success(sentence)
    }

    private func backSentence() -> ControlResponse {
        guard let (brk, ended) = lastEnded else { return .success("Checked in.") }
        let late = ended.timeIntervalSince(brk.checkinAt)
        var sentence = late <= 0
            ? "Welcome back: you checked in on time."
            : "Welcome back: you checked in \(machine.values.lateness(late)), after the promised \(machine.values.clockTime(brk.checkinAt))."
        if let message = brk.plan.back {
            sentence += " \(brk.partner) is told through \(message.to.joined(separator: ", "))."
        }
        return .success(sentence)
    }

    private func cancelSentence() -> ControlResponse {
        guard let (brk, _) = lastEnded else { return .success("Break cancelled.") }
        if let message = brk.plan.cancel {
            return .success("Break cancelled; \(brk.partner) is told through \(message.to.joined(separator: ", ")).")
        }
        return .success("Break cancelled; no check-in message was sent.")
    }

    /// Runs a command on a copy of the machine, saves it, and only then keeps it and acts.
    /// Returns the failure to answer with, or nil on success.
    private func command(_ change: (inout BreakMachine, Date) throws(ControlError) -> [Effect]) -> ControlResponse? {
        var next = machine
        let now = clock.now()
        let before = machine.state.activeBreak
        let effects: [Effect]
        do {
            effects = try change(&next, now)
        } catch {
            return ControlResponse(ok: false, error: error)
        }
        next.holdRecords(of: effects)
        do {
            try save(next.state, effects)
            unsaved = false
        } catch {
            logger.error("Could not save the state, so the command was refused: \(error.description)")
            let kept = machine.state.activeBreak == nil ? "nothing changed" : "nothing changed, and the running break keeps its time"
            return .failure(.stateNotSaved, "The change could not be saved (\(error.description)); \(kept).")
        }
        // Only a change that is saved goes into the history: a refused `back` is no check-in.
        if let before, next.state.activeBreak == nil { lastEnded = (before, now) }
        machine = next
        if let shown = before?.shownNotification, next.state.activeBreak == nil {
            sender.desktop.close(shown)
        }
        perform(effects)
        writeRecords()
        return nil
    }

    // MARK: Time and outcomes

    private func tick() {
        var next = machine
        let effects = next.tick(now: clock.now())
        commitInternal(next, effects)
    }

    private func finished(_ deliveryId: String, _ result: AttemptResult) {
        var next = machine
        let effects = next.finished(deliveryId: deliveryId, result: result, now: clock.now(), jitter: Double.random(in: 0..<1))
        commitInternal(next, effects)
    }

    /// Keeps a change that time or a receiver caused. A promise is kept even when the disk
    /// refuses: the change stays in memory, is acted on, and saving is tried again later.
    private func commitInternal(_ next: BreakMachine, _ effects: [Effect]) {
        var next = next
        next.holdRecords(of: effects)
        // Attempts of deliveries that are already on disk need not wait for this save: a
        // reminder queued ahead of its time goes out at its instant, not after an fsync.
        var effects = effects
        if !unsaved {
            let saved = Set(machine.state.outbox.map(\.id))
            let early = effects.filter { if case .attempt(let delivery) = $0 { saved.contains(delivery.id) } else { false } }
            if !early.isEmpty {
                effects.removeAll { if case .attempt(let delivery) = $0 { saved.contains(delivery.id) } else { false } }
                perform(early, rearm: false)
            }
        }
        if unsaved || next.state != machine.state {
            do {
                try save(next.state, effects)
                if unsaved { logger.notice("The state is saved again.") }
                unsaved = false
            } catch {
                if !unsaved { logger.error("Could not save the state; it is kept in memory and saving is tried again: \(error.description)") }
                unsaved = true
            }
        }
        machine = next
        perform(effects)
        writeRecords()
    }

    /// Saves `state`; whether the file now carries records is remembered for the settling
    /// save. A save is reported as failed only while the old file is still in force.
    private func save(_ state: BreatherState, _ effects: [Effect]) throws(FileError) {
        if let problem = try store.save(state) {
            logger.warning("The state is saved, but its folder could not be flushed to disk, so a power cut now could still lose the change: \(problem.description)", metadata: ["event": "state"])
        }
        savedRecords = state.unwritten != nil
        #if BREATHER_TEST_HOOKS
        TestHooks.afterSave(effects)
        #endif
    }

    /// Writes the history and journal lines the last saved change holds, then lets a save
    /// soon after drop them from the file.
    private func writeRecords(afterRestart: Bool = false) {
        guard let records = machine.state.unwritten else { return }
        for record in records.history {
            do {
                try history.append(record)
            } catch {
                logger.error("Could not record the break in the history: \(error.description)", metadata: ["break_id": .string(record.breakId), "plan": .string(record.plan)])
            }
        }
        for entry in records.journal {
            var metadata = entry.metadata
            if afterRestart { metadata["recorded_after_restart"] = "true" }
            logger.log(level: entry.level, "\(entry.message)\(afterRestart ? " (recorded after a restart)" : "")", metadata: metadata)
        }
        machine.recordsWritten()
        guard !settleQueued else { return }
        settleQueued = true
        queue.async { [self] in
            settleQueued = false
            guard savedRecords, !unsaved, machine.state.unwritten == nil else { return }
            do {
                try save(machine.state, [])
            } catch {
                // The records stay in the file and may be written again after a restart:
                // a line twice is better than a line lost. The next change tries again.
                unsaved = true
            }
        }
    }

    private func perform(_ effects: [Effect], rearm: Bool = true) {
        for effect in effects {
            switch effect {
            case .log:
                break
            case .attempt(let delivery):
                let channel = configuration.settings.channels[delivery.channel]
                let onScreen = machine.state.activeBreak.flatMap { $0.id == delivery.breakId ? $0.shownNotification : nil }
                sender.send(delivery, through: channel, replacing: onScreen, shown: { [weak self] shown in
                    guard let self, let breakId = delivery.breakId else { return }
                    self.queue.async { self.notificationShown(shown, text: delivery.message, urgent: delivery.isUrgent, breakId: breakId) }
                }) { [weak self] result in
                    guard let self else { return }
                    self.queue.async { self.finished(delivery.id, result) }
                }
            case .recordHistory:
                break
            }
        }
        guard rearm else { return }
        timer?.arm(at: machine.nextWake())
        onStatus(statusSentence())
    }

    /// On stop: one more try to save a change the disk refused earlier, so a reminder that
    /// went out is not sent again after the restart. Returns whether the state is on disk.
    func saveBeforeStopping() -> Bool {
        guard unsaved else { return true }
        do {
            try save(machine.state, [])
            unsaved = false
            return true
        } catch {
            logger.error("Could not save the state before stopping: \(error.description)", metadata: ["event": "stop"])
            return false
        }
    }

    private func notificationShown(_ shown: ShownNotification, text: String, urgent: Bool, breakId: String) {
        var next = machine
        next.notificationShown(shown, text: text, urgent: urgent, breakId: breakId)
        commitInternal(next, [])
    }

    /// The server closed a notification. Dismissed or expired, the break's notification is
    /// not shown again after a restart; closed by our own call, the break has ended anyway.
    func notificationClosed(_ shown: ShownNotification, reason: UInt32) {
        queue.async { [self] in
            guard reason != 3, machine.state.activeBreak?.shownNotification == shown else { return }
            var next = machine
            next.notificationClosed(shown)
            commitInternal(next, [])
        }
    }

    /// At start: the running break's notification, shown again from this process's bus
    /// connection (replacing the old one while the same server runs), so its buttons work.
    private func showNotificationAgain() {
        guard let brk = machine.state.activeBreak, let text = brk.notificationText else { return }
        let breakId = brk.id
        let urgent = brk.notificationUrgent ?? false
        sender.desktop.showAgain(text, urgent: urgent, replacing: brk.shownNotification) { [weak self] result, shown in
            guard let self else { return }
            guard let shown else {
                if case .failed(let reason, _, _) = result {
                    self.logger.info("The running break's notification could not be shown again after the restart: \(reason)", metadata: ["break_id": .string(breakId), "event": "desktop"])
                }
                return
            }
            self.queue.async { self.notificationShown(shown, text: text, urgent: urgent, breakId: breakId) }
        }
    }

    /// A notification's button: does what `breather back` or `breather extend 10m` does, for
    /// the running break whose notification it is. Servers broadcast every app's buttons, and
    /// an old notification may outlive its break: anything else is logged and ignored.
    func buttonPressed(_ request: DesktopChannel.Request, notification: ShownNotification) {
        queue.async { [self] in
            guard let brk = machine.state.activeBreak, brk.shownNotification == notification else {
                logger.info("A Breather notification's button was pressed, but no running break shows that notification; nothing to do.", metadata: ["event": "button"])
                return
            }
            let breakId = brk.id
            let failure: ControlResponse?
            switch request {
            case .back:
                failure = command { machine, now throws(ControlError) in try machine.back(now: now) }
            case .extend:
                failure = command { machine, now throws(ControlError) in try machine.extend(by: .minutes(10), now: now) }
            }
            let what = request == .back ? "I'm back" : "10 more minutes"
            if let failure {
                logger.warning("The \"\(what)\" button could not be carried out: \(failure.error?.message ?? "unknown reason")", metadata: ["break_id": .string(breakId), "event": "button"])
            } else {
                logger.notice("The \"\(what)\" button was pressed on a notification.", metadata: ["break_id": .string(breakId), "event": "button"])
            }
        }
    }

    /// logind says the machine is going to sleep, or has woken. The wall-clock timer already
    /// fires on resume for anything that fell due; on waking this checks at once regardless.
    func sleepChanged(goingToSleep: Bool) {
        queue.async { [self] in
            if goingToSleep {
                logger.info("The machine is going to sleep; every deadline is a wall-clock time and holds across it.", metadata: ["event": "sleep"])
            } else {
                logger.notice("The machine woke from sleep; checking what fell due meanwhile.", metadata: ["event": "resume"])
                refreshTimeZone()
                tick()
            }
        }
    }

    /// A laptop that travelled: messages name the check-in in the zone in force now.
    private func refreshTimeZone() {
        NSTimeZone.resetSystemTimeZone()
        machine.values.timeZone = TimeZone.current
    }

    // MARK: Reload and test

    /// Re-reads the configuration. Plans are replaced; the names and channels are replaced
    /// only when breather.toml itself is sound, so a half-edited file cannot silence a
    /// running break. A running break keeps the plan it started with.
    func reload() -> ControlResponse {
        refreshTimeZone()
        let fresh = ConfigLoader.load(paths)
        // A default_plan naming a broken plan is filed under breather.toml too, but leaves
        // the names and channels sound.
        let settingsProblems = fresh.settingsDiagnostics.filter { $0.file == paths.settingsFile && !$0.message.hasPrefix("default_plan ") }
        for diagnostic in fresh.diagnostics {
            logger.warning("\(diagnostic.description)", metadata: ["event": "config"])
        }
        var next = fresh
        var sentence: String
        if settingsProblems.isEmpty {
            machine.settings = fresh.settings
            sentence = "Configuration reloaded"
        } else {
            next.settings = configuration.settings
            sentence = "Plans reloaded; breather.toml has problems, so the names and channels in force are kept"
        }
        configuration = next
        let invalid = fresh.planFiles.filter { !$0.isValid }.count
        sentence += ": \(fresh.plans.count) valid plan\(fresh.plans.count == 1 ? "" : "s")"
        sentence += invalid > 0 ? ", \(invalid) with problems (`breather check` shows them)." : "."
        logger.notice("\(sentence)", metadata: ["event": "reload"])
        return .success(sentence)
    }

    private func test(_ request: ControlRequest, reply: @escaping @Sendable (ControlResponse) -> Void) {
        guard let name = request.channel, let channel = configuration.settings.channels[name] else {
            let known = configuration.settings.channels.keys.sorted().joined(separator: ", ")
            return reply(.failure(.unknownChannel, "There is no channel \"\(request.channel ?? "")\" in breather.toml\(known.isEmpty ? "" : "; the channels are \(known)")."))
        }
        let now = clock.now().wholeMilliseconds
        let delivery = Delivery(
            id: "test-" + Engine.newBreakId(), event: .test, channel: name, breakId: nil, plan: nil,
            message: "This is a test from Breather: messages for \(configuration.settings.partner) through \(name) will arrive like this.",
            checkinAt: nil, dueAt: now, offsetSeconds: nil, createdAt: now, expiresAt: now, nextAttemptAt: now
        )
        let logger = self.logger
        sender.send(delivery, through: channel) { result in
            var fields: Logger.Metadata = ["event": "test", "channel": .string(name), "delivery_id": .string(delivery.id)]
            switch result {
            case .delivered(let detail):
                fields["outcome"] = "delivered"
                logger.info("Test message delivered through \(name) (\(detail)).", metadata: fields)
                reply(.success("Test message delivered through \(name) (\(detail))."))
            case .failed(let reason, _, _):
                fields["outcome"] = "failed"
                logger.warning("Test message through \(name) failed: \(reason)", metadata: fields)
                reply(.failure(.deliveryFailed, "The test message through \(name) failed: \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason); check the channel's settings in breather.toml."))
            }
        }
    }

    // MARK: Status

    func statusReport() -> StatusReport {
        let retrying = machine.state.outbox.filter { $0.attempts > 0 }.map {
            StatusReport.RetryingDelivery(deliveryId: $0.id, event: $0.event, channel: $0.channel, attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt, expiresAt: $0.expiresAt, lastError: $0.lastError)
        }
        guard let brk = machine.state.activeBreak else {
            return StatusReport(active: false, break: nil, retrying: retrying)
        }
        let pending = brk.remindersToCome(now: clock.now()).map {
            StatusReport.PendingReminder(offsetSeconds: brk.plan.reminders[$0.index].offset.seconds, dueAt: brk.dueDate(ofReminder: $0.index), to: brk.plan.reminders[$0.index].to)
        }
        return StatusReport(
            active: true,
            break: .init(id: brk.id, plan: brk.plan.name, startedAt: brk.startedAt, checkinAt: brk.checkinAt, extensions: brk.extensions, pending: pending, partner: brk.partner, note: brk.note),
            retrying: retrying
        )
    }

    func statusSentence() -> String {
        guard let brk = machine.state.activeBreak else { return "No break is running." }
        return "On a break (\(brk.plan.name)); check-in with \(brk.partner) at \(machine.values.clockTime(brk.checkinAt))."
    }

    static func newBreakId() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
    }
}
