import BreatherCore
import BreatherHTTP
import BreatherSystemd
import Dispatch
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// breatherd: loads the configuration and the saved state, listens on the control socket,
/// keeps time, and stops cleanly on SIGTERM.
public enum Daemon {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func run(environment: [String: String] = ProcessInfo.processInfo.environment) -> Never {
        BreatherLogHandler.bootstrap(identifier: "breatherd")
        let logger = Logger(label: "breatherd")
        do {
            try start(environment: environment, logger: logger)
        } catch {
            logger.critical("\(error.description)")
            FileHandle.standardError.write(Data("breatherd: \(error.description)\n".utf8))
            exit(1)
        }
        dispatchMain()
    }

    private static func start(environment: [String: String], logger: Logger) throws(StartError) {
        signal(SIGPIPE, SIG_IGN)
        let paths = Paths(environment: environment)
        guard let runtime = paths.runtimeDirectory, let socketPath = paths.socketPath else {
            throw StartError(
                description:
                    "XDG_RUNTIME_DIR is not set, so breatherd has no place for its control socket; log in through a session that sets it, or set it to a private folder (mode 0700)."
            )
        }
        do {
            try AtomicFile.makeDirectory(paths.stateDirectory)
            try AtomicFile.makeDirectory(runtime)
            chmod(runtime, 0o700)
        } catch {
            throw StartError(description: error.description)
        }

        let configuration = ConfigLoader.load(paths)
        for diagnostic in configuration.diagnostics {
            logger.warning("\(diagnostic.description)", metadata: ["event": "config"])
        }
        let loaded = StateStore(path: paths.stateFile).load()
        if let problem = loaded.problem {
            logger.error("\(problem)", metadata: ["event": "state"])
        }

        let transport: CurlTransport
        do {
            transport = try CurlTransport()
        } catch {
            throw StartError(description: "\(error)")
        }
        let notifier = SystemdNotifier()
        let desktop = DesktopChannel()
        let engine = Engine(
            paths: paths, configuration: configuration, state: loaded.state, clock: SystemClock(),
            transport: DeliverySender(transport: transport, desktop: desktop, paths: paths), logger: logger,
            onStatus: StatusReporter(notifier: notifier).report
        )

        desktop.setHandlers(
            DesktopChannel.Handlers(
                pressed: { shown, request in engine.buttonPressed(request, notification: shown) },
                closed: { shown, reason in engine.notificationClosed(shown, reason: reason) }
            ))

        let listener = try listeningSocket(at: socketPath, logger: logger)
        let server = ControlServer(listener: listener) { request, reply in engine.handle(request, reply: reply) }
        Lifetime.keep(engine, server)

        engine.queue.sync { engine.start() }
        server.start()
        installSignalHandlers(engine: engine, notifier: notifier, logger: logger)
        if let interval = try? SystemdNotifier.watchdogInterval() {
            WatchdogPinger.start(interval: interval, heartbeat: engine.heartbeat, notifier: notifier)
        }
        let sleepWatcher = SleepWatcher { goingToSleep, release in
            engine.sleepChanged(goingToSleep: goingToSleep, release: release)
        }
        if let problem = sleepWatcher.start() {
            logger.info("\(problem)", metadata: ["event": "sleep"])
        }
        Lifetime.keep(sleepWatcher)
        #if BREATHER_TEST_HOOKS
            TestHooks.install(engineQueue: engine.queue, heartbeat: engine.heartbeat)
        #endif
        try? notifier.ready(status: engine.queue.sync { engine.statusSentence() })
        logger.notice(
            "breatherd \(BreatherVersion.current) is listening on \(socketPath).", metadata: ["event": "ready"])
        // Starting touched far more code than waiting will: let those pages go now.
        ResidentPages.release()
    }

    /// The socket systemd passed (socket activation), or one bound here.
    private static func listeningSocket(at path: String, logger: Logger) throws(StartError) -> Int32 {
        if let inherited = try? ListenFDs.take(), let fd = inherited.first {
            guard (try? ListenFDs.isListeningUnixStreamSocket(fd)) == true else {
                throw StartError(description: SocketError(code: .notASocket, path: path, errno: 0).description)
            }
            return fd
        }
        do {
            return try UnixSocket.listen(at: path)
        } catch {
            throw StartError(description: error.description)
        }
    }

    private static func installSignalHandlers(engine: Engine, notifier: SystemdNotifier, logger: Logger) {
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
        }
        let stop: @Sendable () -> Void = {
            // Every change is saved before it is acknowledged; the queue's last word is the
            // saved state. Deliveries in flight stay in the outbox and go out after a restart.
            engine.queue.sync {
                if engine.saveBeforeStopping() {
                    try? notifier.stopping(status: "Stopping; the state is saved.")
                    logger.notice("breatherd is stopping; the state is saved.", metadata: ["event": "stop"])
                } else {
                    try? notifier.stopping(status: "Stopping; the last change could not be saved.")
                    logger.error(
                        "breatherd is stopping without its last change on disk; a reminder sent since may be sent again after the restart.",
                        metadata: ["event": "stop"])
                }
            }
            exit(0)
        }
        // Not the main queue: a source is registered (and libdispatch's own handler and
        // signalfd replace SIG_IGN) only once its queue first runs, and the main queue runs
        // only from dispatchMain(). Until then a SIGTERM was silently dropped: a daemon told
        // to stop right after READY never stopped (about 1 start in 30 in the benchmark).
        let queue = DispatchQueue(label: "breather.signals")
        let term = DispatchSource.makeSignalSource(signal: SIGTERM, queue: queue)
        term.setEventHandler(handler: stop)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
        interrupt.setEventHandler(handler: stop)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler {
            try? notifier.reloading(status: "Reloading the configuration.")
            engine.handle(ControlRequest(op: .reload)) { _ in
                // The reply runs on the engine's queue already: no sync onto it here.
                try? notifier.ready(status: engine.statusSentence())
            }
        }
        // READY waits until all three are registered, so that no signal sent after it is lost.
        let registered = DispatchGroup()
        for source in [term, interrupt, hangup] {
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
        }
        if registered.wait(timeout: .now() + .seconds(5)) == .timedOut {
            logger.warning(
                "The signal handlers were not in place after 5 seconds; a stop or reload sent now may be missed.",
                metadata: ["event": "signals"])
        }
        Lifetime.keep(term as AnyObject, interrupt as AnyObject, hangup as AnyObject)
    }
}
