#if BREATHER_TEST_HOOKS
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
    static func install(engineQueue: DispatchQueue) {
        signal(SIGUSR1, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .main)
        source.setEventHandler {
            FileHandle.standardError.write(Data("breatherd: test hook: hanging the engine queue\n".utf8))
            engineQueue.async {
                while true { sleep(3600) }
            }
        }
        source.resume()
        Lifetime.keep(source as AnyObject)
    }
}
#endif
