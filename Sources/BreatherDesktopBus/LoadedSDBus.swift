internal import CSystemdLoader
import Glibc

/// libsystemd's sd-bus, loaded with dlopen when `breather doctor` first asks the session bus.
///
/// The CLI does not link libsystemd: loading it (and the half dozen libraries it pulls in) at
/// every start cost each `breather status` most of a millisecond, for a check only doctor
/// makes. These few blocking calls do what `SDBus.openUser`, `callAndWait` and
/// `readStringArray` do in the daemon, with the same failures.
struct LoadedSDBus {
    /// Why libsystemd could not be loaded: dlerror()'s words.
    struct NotLoaded: Error {
        var reason: String
    }

    /// Filled by `load()` only: every function is there.
    private var calls: breather_sd_bus_calls

    static func load() -> Result<LoadedSDBus, NotLoaded> {
        var calls = breather_sd_bus_calls()
        if let reason = breather_sd_bus_calls_load(&calls) {
            return .failure(NotLoaded(reason: String(cString: reason)))
        }
        return .success(LoadedSDBus(calls: calls))
    }

    /// The user's session bus, as `sd_bus_open_user` finds it. Close it with `close(_:)`.
    func openUser() throws(SDBusFailure) -> OpaquePointer {
        var bus: OpaquePointer?
        let result = calls.open_user_with_description(&bus, "breather-notifications")
        try SDBusFailure.check(result, "Could not connect to the session bus")
        guard let bus else { throw SDBusFailure.failed(what: "Could not connect to the session bus", errno: EINVAL) }
        return bus
    }

    /// Closes the connection without flushing (that blocks until the peer reads) and frees it.
    func close(_ bus: OpaquePointer) {
        _ = calls.close_unref(bus)
    }

    /// Calls `member` without arguments and waits at most `timeout` for its answer, an array
    /// of strings (`as`).
    func callForStrings(
        on bus: OpaquePointer, destination: String, path: String, interface: String, member: String,
        timeout: Duration
    ) throws(SDBusFailure) -> [String] {
        var message: OpaquePointer?
        let created = calls.message_new_method_call(bus, &message, destination, path, interface, member)
        try SDBusFailure.check(created, "Could not create the D-Bus call \(interface).\(member)")
        guard let message else {
            throw SDBusFailure.failed(what: "Could not create the D-Bus call \(interface).\(member)", errno: ENOMEM)
        }
        var error = breather_loaded_sd_bus_error_null()
        var reply: OpaquePointer?
        defer {
            calls.error_free(&error)
            if let reply { _ = calls.message_unref(reply) }
            _ = calls.message_unref(message)
        }
        let result = calls.call(bus, message, timeout.sdBusMicroseconds, &error, &reply)
        if result < 0 {
            if calls.error_is_set(&error) != 0, let name = error.name {
                throw SDBusFailure.errorReply(
                    name: String(cString: name), message: error.message.map { String(cString: $0) } ?? "")
            }
            throw SDBusFailure.failed(what: "The D-Bus call failed", errno: -result)
        }
        guard let reply else { throw SDBusFailure.disconnected }
        return try readStrings(reply)
    }

    /// The reply's array of strings, as `SDBusMessageReader.readStringArray` reads it.
    private func readStrings(_ reply: OpaquePointer) throws(SDBusFailure) -> [String] {
        let typeCode = CChar(bitPattern: UInt8(ascii: "a"))
        let entered = calls.message_enter_container(reply, typeCode, "s")
        try SDBusFailure.check(entered, "Could not read an array of strings (as) from the D-Bus message")
        guard entered > 0 else {
            throw SDBusFailure.failed(what: "The D-Bus message holds no array of strings (as) here", errno: ENXIO)
        }
        var strings: [String] = []
        while true {
            var value: UnsafePointer<CChar>?
            let result = withUnsafePointer(to: calls) { breather_loaded_sd_bus_message_read_string($0, reply, &value) }
            try SDBusFailure.check(result, "Could not read an array of strings (as) from the D-Bus message")
            guard result > 0, let value else { break }
            strings.append(String(cString: value))
        }
        try SDBusFailure.check(
            calls.message_exit_container(reply), "Could not read an array of strings (as) from the D-Bus message")
        return strings
    }
}
