import Glibc
import Synchronization

/// Whether the engine's queue is still getting through its work, read from another thread
/// without waking the queue: each block the engine runs marks when it began and clears the
/// mark when it ends. A block still running after the watchdog's interval means the queue
/// that keeps time is stuck.
///
/// Why not ask the queue itself (a ping block): every such block starts a Dispatch worker
/// thread on an idle daemon, and that thread's start and end are wake-ups of their own.
final class EngineHeartbeat: Sendable {
    private struct Mark {
        var since: UInt64?
        var depth = 0
        var begun: UInt64 = 0
    }

    private let mark = Mutex(Mark())

    /// Runs `body` as one piece of the engine's work.
    func during<T>(_ body: () throws -> T) rethrows -> T {
        let now = Self.monotonicNanoseconds()
        mark.withLock {
            if $0.depth == 0 {
                $0.since = now
                $0.begun &+= 1
            }
            $0.depth += 1
        }
        defer {
            mark.withLock {
                $0.depth -= 1
                if $0.depth == 0 { $0.since = nil }
            }
        }
        return try body()
    }

    /// How many times the engine has started work: unchanged between two looks means it
    /// stayed idle in between.
    var blocksBegun: UInt64 {
        mark.withLock { $0.begun }
    }

    /// False when a block has been running for longer than `limit`.
    func isResponsive(within limit: Duration) -> Bool {
        guard let since = mark.withLock({ $0.since }) else { return true }
        let (seconds, attoseconds) = limit.components
        let limitNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
        return Self.monotonicNanoseconds() &- since < limitNanoseconds
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
