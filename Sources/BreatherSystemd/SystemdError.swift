import BreatherCore
import Glibc

/// A libsystemd call failed. libsystemd returns `-errno`; `errno` keeps the positive value.
public struct SystemdError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// A journal field name breaks journald's rules, which would drop it silently.
        case invalidJournalField
        /// `sd_journal_sendv` failed.
        case journalSendFailed
        /// `sd_notify` failed.
        case notifyFailed
        /// `sd_watchdog_enabled` failed (a malformed `WATCHDOG_USEC`).
        case watchdogQueryFailed
        /// `sd_listen_fds` failed (a malformed `LISTEN_FDS` or `LISTEN_PID`).
        case listenFDsFailed
        /// `sd_is_socket_unix` could not inspect a descriptor.
        case socketCheckFailed
    }

    public var code: Code
    /// The positive errno value, 0 when none applies.
    public var errno: Int32
    /// One whole sentence.
    public var message: String

    public init(code: Code, errno: Int32, message: String) {
        self.code = code
        self.errno = errno
        self.message = message
    }

    public var description: String { message }

    /// Builds an error from a negative libsystemd return value: "<what>: <strerror>."
    static func fromReturn(_ result: Int32, _ code: Code, _ what: String) -> SystemdError {
        let number = result < 0 ? -result : result
        return SystemdError(code: code, errno: number, message: "\(what): \(Errno(number).systemText).")
    }
}
