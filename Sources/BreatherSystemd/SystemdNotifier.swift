import CSystemd
import Glibc

/// Tells the service manager about the daemon's state with `sd_notify` (`Type=notify`).
/// Every call is a no-op when `NOTIFY_SOCKET` is unset: nothing supervises the daemon.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// True when a service manager is listening for notifications.
    public var isSupervised: Bool {
        getenv("NOTIFY_SOCKET") != nil
    }

    /// Start-up is complete; `status` is shown by `systemctl status`.
    public func ready(status: String? = nil) throws(SystemdError) {
        try notify(["READY=1"] + Self.statusLine(status))
    }

    public func status(_ text: String) throws(SystemdError) {
        try notify(Self.statusLine(text))
    }

    public func stopping(status: String? = nil) throws(SystemdError) {
        try notify(["STOPPING=1"] + Self.statusLine(status))
    }

    /// Re-reading the configuration; call `ready()` when done. `MONOTONIC_USEC` is what
    /// `Type=notify-reload` (systemd 253+) requires; older managers ignore it.
    public func reloading(status: String? = nil) throws(SystemdError) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        try notify(["RELOADING=1", "MONOTONIC_USEC=\(usec)"] + Self.statusLine(status))
    }

    /// Pets the watchdog; send at least every `watchdogInterval / 2`.
    public func watchdog() throws(SystemdError) {
        try notify(["WATCHDOG=1"])
    }

    /// Sends the given `KEY=value` assignments; returns false when nothing listens.
    @discardableResult
    public func notify(_ assignments: [String]) throws(SystemdError) -> Bool {
        let state = assignments.joined(separator: "\n")
        let result = sd_notify(0, state)
        guard result >= 0 else {
            throw SystemdError.fromReturn(result, .notifyFailed, "Could not notify the service manager")
        }
        return result > 0
    }

    /// The watchdog period `WatchdogSec=` asks for, nil when the watchdog is off or meant
    /// for another process.
    public static func watchdogInterval() throws(SystemdError) -> Duration? {
        var usec: UInt64 = 0
        let result = sd_watchdog_enabled(0, &usec)
        guard result >= 0 else {
            throw SystemdError.fromReturn(result, .watchdogQueryFailed, "Could not read the watchdog settings")
        }
        guard result > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// A STATUS= line; newlines would start new assignments, so they become spaces.
    private static func statusLine(_ text: String?) -> [String] {
        guard let text else { return [] }
        return ["STATUS=" + text.map { $0.isNewline ? " " : String($0) }.joined()]
    }
}
