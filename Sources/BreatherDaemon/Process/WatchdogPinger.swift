import BreatherCore
import BreatherSystemd
import Foundation
import Glibc

/// Pets systemd's watchdog from a thread of its own, which sleeps between pings: an idle
/// daemon wakes once per ping and for nothing else. It pings only while the engine's queue
/// is responsive, so a stuck scheduler stops the pings and systemd restarts the daemon. On
/// the same wake-ups it gives back the code pages that an idle daemon does not use
/// (`ResidentPages`).
enum WatchdogPinger {
    static func start(interval: Duration, heartbeat: EngineHeartbeat, notifier: SystemdNotifier) {
        // Half the interval, as sd_watchdog_enabled(3) advises; a block may run that long
        // before the queue counts as stuck, so a slow save or a busy reload is no reason.
        let half = interval / 2
        let thread = Thread {
            var seen = heartbeat.blocksBegun
            // Nothing released yet on this thread: the first quiet interval releases what the
            // start touched after its own release (the bus, the first log lines).
            var released: UInt64? = nil
            while true {
                sleepMonotonic(half)
                if heartbeat.isResponsive(within: half) {
                    try? notifier.watchdog()
                }
                // After a whole interval without work following some, the code pages that
                // work touched go back (the daemon stays small while it waits, which is most
                // of its life). Never while busy: pages are mapped back one fault at a time.
                let now = heartbeat.blocksBegun
                if now == seen, now != released {
                    ResidentPages.release()
                    released = now
                }
                seen = now
            }
        }
        thread.name = "breather-watchdog"
        thread.start()
    }

    private static func sleepMonotonic(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        _ = SystemCall.returnedErrno {
            // Interrupted by a signal: the retry sleeps the rest.
            defer { request = remaining }
            return clock_nanosleep(CLOCK_MONOTONIC, 0, &request, &remaining)
        }
    }
}
