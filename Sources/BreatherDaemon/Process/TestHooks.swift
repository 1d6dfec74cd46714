#if BREATHER_TEST_HOOKS
    import BreatherCore
    import Dispatch
    import Foundation
    #if canImport(Glibc)
        import Glibc
    #endif

    /// Test-only hooks, compiled only into a build made with `-Xswiftc -DBREATHER_TEST_HOOKS`
    /// (the end-to-end systemd test builds one into `.build-hooks`). A normal build, and so
    /// every installed breatherd, has none of this: no signal, variable or config reaches it.
    enum TestHooks {
        /// SIGUSR1 makes the engine's queue hang forever, as a stuck scheduler would. The
        /// watchdog is petted from that queue, so systemd's `WatchdogSec=` must restart us.
        static func install(engineQueue: DispatchQueue, heartbeat: EngineHeartbeat) {
            signal(SIGUSR1, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .main)
            source.setEventHandler {
                FileHandle.standardError.write(Data("breatherd: test hook: hanging the engine queue\n".utf8))
                engineQueue.async {
                    heartbeat.during {
                        while true { sleep(3600) }
                    }
                }
            }
            source.resume()
            Lifetime.keep(source as AnyObject)
        }

        /// `BREATHER_TEST_KILL_AFTER_SAVE=TEXT`: right after a save whose change logs a line
        /// containing TEXT, and before anything of that change is written or sent, the daemon
        /// kills itself with SIGKILL — the narrowest crash window, made exact.
        static func afterSave(_ records: UnwrittenRecords) {
            guard let text = ProcessInfo.processInfo.environment["BREATHER_TEST_KILL_AFTER_SAVE"], !text.isEmpty else {
                return
            }
            for entry in records.journal where entry.message.contains(text) {
                FileHandle.standardError.write(
                    Data("breatherd: test hook: killed right after the save of \"\(entry.message)\"\n".utf8))
                kill(getpid(), SIGKILL)
            }
        }
    }
#endif
