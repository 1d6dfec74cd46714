import BreatherCore
import Glibc

/// A desktop notification could not be shown. `message` is one sentence that says what to
/// check; `isRetryable` says whether sending the same notification later may work.
public struct DesktopError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// No session bus could be reached (none configured, or nothing listens there).
        case noSessionBus
        /// Nobody owns `org.freedesktop.Notifications` on the session bus.
        case noServer
        /// The server (or the bus) did not answer within the notifier's timeout.
        case timeout
        /// The bus connection closed while the call was waiting; the next call opens a new one.
        case connectionLost
        /// The server answered with a D-Bus error other than the ones above.
        case rejected
        /// sd-bus could not build the call or read the reply.
        case invalidMessage
    }

    public var code: Code
    /// The D-Bus error name the server or bus answered with, when there was one.
    public var dbusErrorName: String?
    /// The positive errno behind the failure, 0 when none applies.
    public var errno: Int32
    /// One whole sentence.
    public var message: String

    public init(code: Code, dbusErrorName: String? = nil, errno: Int32 = 0, message: String) {
        self.code = code
        self.dbusErrorName = dbusErrorName
        self.errno = errno
        self.message = message
    }

    public var description: String { message }

    /// True when the same notification may go through later: a bus or server that is missing
    /// or slow now can appear or recover. A refusal or a malformed message will not change.
    public var isRetryable: Bool {
        switch code {
        case .noSessionBus, .noServer, .timeout, .connectionLost: true
        case .rejected, .invalidMessage: false
        }
    }
}

extension DesktopError {
    package static let noServer = DesktopError(
        code: .noServer, dbusErrorName: "org.freedesktop.DBus.Error.ServiceUnknown",
        message: "No notification server is running on the session bus (org.freedesktop.Notifications is not there).")

    package static func timeout(_ timeout: Duration) -> DesktopError {
        DesktopError(
            code: .timeout, errno: ETIMEDOUT,
            message: "The notification server did not answer within \(Self.describe(timeout)).")
    }

    package static let connectionLost = DesktopError(
        code: .connectionLost, errno: ECONNRESET,
        message:
            "The session bus connection closed before the notification server answered; the next notification opens a new one."
    )

    /// `sd_bus_open_user` failed with `errno`, given the environment it read.
    package static func noSessionBus(errno: Int32, address: String?, runtimeDirectory: String?) -> DesktopError {
        let reason = Errno(errno).systemText
        let message: String
        if let address {
            message = "Could not connect to the session bus at DBUS_SESSION_BUS_ADDRESS=\(address): \(reason)."
        } else if let runtimeDirectory {
            let socket = (runtimeDirectory.hasSuffix("/") ? runtimeDirectory : runtimeDirectory + "/") + "bus"
            if errno == ENOENT {
                message =
                    "There is no session bus: DBUS_SESSION_BUS_ADDRESS is unset and \(socket) ($XDG_RUNTIME_DIR/bus) does not exist."
            } else {
                message =
                    "Could not connect to the session bus at \(socket) ($XDG_RUNTIME_DIR/bus; DBUS_SESSION_BUS_ADDRESS is unset): \(reason)."
            }
        } else {
            message = "There is no session bus: DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are both unset."
        }
        return DesktopError(code: .noSessionBus, errno: errno, message: message)
    }

    /// The notifier's view of a failed sd-bus call.
    package static func from(_ failure: SDBusFailure, timeout: Duration) -> DesktopError {
        switch failure {
        case .disconnected:
            return .connectionLost
        case .failed(let what, let errno):
            if errno == ENOTCONN || errno == ECONNRESET || errno == EPIPE {
                return .connectionLost
            }
            return DesktopError(code: .invalidMessage, errno: errno, message: "\(what): \(Errno(errno).systemText).")
        case .errorReply(let name, let text):
            let detail = text.isEmpty ? name : "\(name): \(text.trimmingTrailingPeriod)"
            switch name {
            case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
                var error = DesktopError.noServer
                error.dbusErrorName = name
                return error
            case SDBusFailure.noReply, "org.freedesktop.DBus.Error.Timeout", "org.freedesktop.DBus.Error.TimedOut":
                var error = DesktopError.timeout(timeout)
                error.dbusErrorName = name
                return error
            case let name where name.hasPrefix("org.freedesktop.DBus.Error.Spawn."):
                // Bus activation of a server that failed to start: it may start next time.
                return DesktopError(
                    code: .noServer, dbusErrorName: name,
                    message:
                        "The session bus could not start a notification server (\(detail)); check the service that provides org.freedesktop.Notifications."
                )
            default:
                return DesktopError(
                    code: .rejected, dbusErrorName: name,
                    message:
                        "The notification server refused the notification (\(detail)); check that it implements the freedesktop notification specification."
                )
            }
        }
    }

    /// "10 seconds", "1 second", "0.5 seconds".
    package static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            return seconds == 1 ? "1 second" : "\(seconds) seconds"
        }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        var text = String(Double(milliseconds) / 1000)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return "\(text) seconds"
    }
}

extension String {
    fileprivate var trimmingTrailingPeriod: Substring {
        var text = Substring(self)
        while text.last == "." { text.removeLast() }
        return text
    }
}
