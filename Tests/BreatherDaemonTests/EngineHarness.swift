import BreatherCore
import Dispatch
import Foundation
import Logging
import Synchronization

@testable import BreatherDaemon

/// The engine with a manual clock, a timer fired by hand, a transport that records what it
/// is asked and answers when told, and a journal captured in memory; its files live in a
/// temporary folder.
final class EngineHarness: @unchecked Sendable {
    let folder: String
    let paths: Paths
    let clock: ManualClock
    let transport = RecordingTransport()
    let journal = CapturedJournal()
    let timer = HandTimer()
    private(set) var engine: Engine!

    static let t0 = Date(timeIntervalSince1970: 1_795_269_600)

    init(plan: Plan, alex: Webhook = Webhook(url: "https://hooks.example.org/alex")) throws {
        var template = Array((NSTemporaryDirectory() + "breather-engine-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        folder = String(cString: made)
        paths = Paths(configDirectory: folder + "/config", stateDirectory: folder + "/state", runtimeDirectory: folder)
        try AtomicFile.makeDirectory(paths.stateDirectory)
        transport.stateFile = paths.stateFile
        clock = ManualClock(Self.t0)
        let settings = Settings(
            me: "Sam", partner: "Alex", defaultPlan: plan.name,
            channels: [
                "alex": Channel(name: "alex", kind: .webhook, webhook: alex),
                "desktop": Channel(name: "desktop", kind: .desktop),
            ]
        )
        configuration = Configuration(
            settings: settings, settingsDiagnostics: [],
            planFiles: [
                .init(name: plan.name, path: folder + "/config/plans/\(plan.name).toml", plan: plan, diagnostics: [])
            ]
        )
        startEngine(state: BreatherState())
    }

    private let configuration: Configuration

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A new engine on the state the last one saved, as after a restart.
    func restart() {
        let loaded = StateStore(path: paths.stateFile).load()
        startEngine(state: loaded.state)
    }

    private func startEngine(state: BreatherState) {
        let journal = self.journal
        var logger = Logger(label: "engine-test") { _ in journal.handler() }
        logger.logLevel = .debug
        let timer = self.timer
        var values = MessageValues(timeZone: TimeZone(identifier: "UTC")!)
        values.timeZone = TimeZone(identifier: "UTC")!
        engine = Engine(
            paths: paths, configuration: configuration, state: state, clock: clock, transport: transport,
            logger: logger, onStatus: { _ in },
            makeTimer: { _, handler in
                timer.handler = handler
                return timer
            }
        )
        engine.queue.sync {
            engine.machine.values = values
            engine.start()
        }
    }

    /// Sends a request and waits for the reply.
    func request(_ request: ControlRequest) -> ControlResponse {
        let answer = Mutex<ControlResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        engine.handle(request) { response in
            answer.withLock { $0 = response }
            done.signal()
        }
        done.wait()
        return answer.withLock { $0! }
    }

    /// Moves the clock to `seconds` after t0 and fires the timer, as the wall clock would.
    func advance(to seconds: Double) {
        clock.set(Self.t0.addingTimeInterval(seconds))
        engine.queue.sync { timer.handler?() }
    }

    /// Waits until the engine's queue has done everything queued so far.
    func settle() {
        for _ in 0..<3 { engine.queue.sync {} }
    }

    var savedState: BreatherState? {
        guard let bytes = try? AtomicFile.read(paths.stateFile) else { return nil }
        return try? BreatherJSON.decoder().decode(BreatherState.self, from: Data(bytes))
    }

    var history: [HistoryRecord] {
        (try? HistoryFile(path: paths.historyFile).read().records) ?? []
    }
}

/// Records each send with what was on disk at that moment; answers only when a test says.
final class RecordingTransport: DeliveryTransport, @unchecked Sendable {
    struct Sent {
        var delivery: Delivery
        var replacing: ShownNotification?
        var completion: @Sendable (AttemptResult, ShownNotification?) -> Void
        /// Whether state.json held this delivery at the moment it was sent.
        var savedBeforeSend: Bool
    }

    private let lock = NSLock()  // guards _sent and _closed: Sent holds closures, not Sendable
    private var _sent: [Sent] = []
    private var _closed: [ShownNotification] = []
    var stateFile: String?

    var sent: [Sent] { lock.withLock { _sent } }
    var closed: [ShownNotification] { lock.withLock { _closed } }

    func send(
        _ delivery: Delivery, through channel: Channel?, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {
        var saved = false
        if let stateFile, let bytes = try? AtomicFile.read(stateFile),
            let state = try? BreatherJSON.decoder().decode(BreatherState.self, from: Data(bytes))
        {
            saved = state.outbox.contains { $0.id == delivery.id }
        }
        let sent = Sent(delivery: delivery, replacing: replacing, completion: completion, savedBeforeSend: saved)
        lock.withLock { _sent.append(sent) }
    }

    func showAgain(
        _ text: String, urgent: Bool, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {}

    func checkChannel(_ channel: Channel, completion: @escaping @Sendable ([String]) -> Void) {
        completion([])
    }

    func close(_ shown: ShownNotification) {
        lock.withLock { _closed.append(shown) }
    }

    struct Read {
        var reading: AnswerReading
        var completion: @Sendable (AnswerReadOutcome) -> Void
    }
    private var _reads: [Read] = []
    /// Reads of answers started, in order; each answers only when a test calls its completion.
    var reads: [Read] { lock.withLock { _reads } }

    func readAnswers(
        _ reading: AnswerReading, through channel: Channel, completion: @escaping @Sendable (AnswerReadOutcome) -> Void
    ) {
        lock.withLock { _reads.append(Read(reading: reading, completion: completion)) }
    }
}

/// The engine's timer, fired by the test.
final class HandTimer: WakeTimer, @unchecked Sendable {
    private let lock = NSLock()
    private var _armedAt: Date?
    private var _handler: (@Sendable () -> Void)?

    var armedAt: Date? { lock.withLock { _armedAt } }
    var handler: (@Sendable () -> Void)? {
        get { lock.withLock { _handler } }
        set { lock.withLock { _handler = newValue } }
    }

    func arm(at date: Date?) {
        lock.withLock { _armedAt = date }
    }
}

/// Journal lines in memory.
final class CapturedJournal: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func handler() -> any LogHandler {
        Handler(journal: self)
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let journal: CapturedJournal
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            journal.append("\(event.level): \(event.message)")
        }
    }
}
