/// Why an sd-bus call did not produce a usable reply. The notifier turns these into
/// `DesktopError` sentences; this layer knows nothing about notifications.
package enum SDBusFailure: Error, Hashable {
    /// The peer (or the bus, or sd-bus itself on a timeout) answered with a D-Bus error.
    case errorReply(name: String, message: String)
    /// The connection closed (or was closed) before the reply came.
    case disconnected
    /// sd-bus refused an operation: `-errno` from building a message, sending it, or
    /// reading a reply of an unexpected shape. `what` says which, as the start of a sentence.
    case failed(what: String, errno: Int32)

    package static let noReply = "org.freedesktop.DBus.Error.NoReply"

    /// `.failed` from a negative libsystemd return value.
    package static func check(_ result: Int32, _ what: @autoclosure () -> String) throws(SDBusFailure) {
        if result < 0 {
            throw SDBusFailure.failed(what: what(), errno: -result)
        }
    }
}
