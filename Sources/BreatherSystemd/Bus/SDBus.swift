import BreatherCore
import BreatherDesktopBus
import CSystemd
import Glibc

/// One sd-bus connection (`sd_bus *`), closed and freed in `deinit` or by `close()`.
///
/// sd-bus is not thread-safe: an `SDBus` and everything made from it is used from one serial
/// queue only (`BusConnection` drives it). Every slot it creates is *floating* — owned by the
/// connection — with a retained `SlotUserdata` as its userdata that the slot's destroy
/// callback releases, so closing the connection runs each pending call's completion exactly
/// once (with `.disconnected`) and leaks nothing.
final class SDBus {
    private var handle: OpaquePointer?

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        close()
    }

    /// The user's session bus, as `sd_bus_open_user` finds it: `DBUS_SESSION_BUS_ADDRESS`,
    /// else `$XDG_RUNTIME_DIR/bus`. Connecting a Unix socket does not block; authentication
    /// and `Hello` happen later, in `process()`. Fails with `.failed` and the errno.
    static func openUser() throws(SDBusFailure) -> SDBus {
        var bus: OpaquePointer?
        let result = sd_bus_open_user_with_description(&bus, "breather-notifications")
        try SDBusFailure.check(result, "Could not connect to the session bus")
        guard let bus else { throw SDBusFailure.failed(what: "Could not connect to the session bus", errno: EINVAL) }
        return SDBus(handle: bus)
    }

    /// The system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket), for
    /// logind's signals.
    static func openSystem() throws(SDBusFailure) -> SDBus {
        var bus: OpaquePointer?
        let result = sd_bus_open_system_with_description(&bus, "breather-sleep")
        try SDBusFailure.check(result, "Could not connect to the system bus")
        guard let bus else { throw SDBusFailure.failed(what: "Could not connect to the system bus", errno: EINVAL) }
        return SDBus(handle: bus)
    }

    /// Closes the connection now and frees it once nothing else holds it. Pending calls and
    /// matches are destroyed: their completions run (with `.disconnected`) inside this call.
    func close() {
        guard let bus = handle else { return }
        handle = nil
        // Not sd_bus_flush_close_unref: flushing blocks until the peer reads.
        sd_bus_close_unref(bus)
    }

    /// True from connecting until the connection is closing or closed.
    var isOpen: Bool {
        guard let handle else { return false }
        return sd_bus_is_open(handle) > 0
    }

    /// True once authentication and `Hello` are done.
    var isReady: Bool {
        guard let handle else { return false }
        return sd_bus_is_ready(handle) > 0
    }

    /// The bus's own 128-bit id in hex, which a bus daemon draws anew each time it starts;
    /// nil before the connection is ready. With a unique name (`:1.42`) it names one peer
    /// once and for all: unique names start again from `:1.1` on a new bus.
    var busId: String? {
        guard let handle else { return nil }
        var id = sd_id128_t()
        guard sd_bus_get_bus_id(handle, &id) >= 0 else { return nil }
        return withUnsafeBytes(of: id.bytes) { bytes in
            bytes.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        }
    }

    /// The connection's socket (owned by sd-bus), or a negative errno.
    var fileDescriptor: Int32 {
        guard let handle else { return -EBADF }
        return sd_bus_get_fd(handle)
    }

    /// `POLLIN`/`POLLOUT` as sd-bus wants them now, or a negative errno.
    var events: Int32 {
        guard let handle else { return -ENOTCONN }
        return sd_bus_get_events(handle)
    }

    /// When `process()` must run next, in CLOCK_MONOTONIC microseconds; nil for "not until
    /// the socket is ready". 0 means at once.
    var nextTimeout: UInt64? {
        guard let handle else { return nil }
        var usec: UInt64 = 0
        guard sd_bus_get_timeout(handle, &usec) > 0, usec != UInt64.max else { return nil }
        return usec
    }

    /// One step of `sd_bus_process`: > 0 when it did something (call again), 0 when idle,
    /// a negative errno when the connection is gone. Callbacks run inside this call.
    func process() -> Int32 {
        guard let handle else { return -ENOTCONN }
        return sd_bus_process(handle, nil)
    }

    /// A new method call to fill with `SDBusMessage.append…`.
    func methodCall(destination: String, path: String, interface: String, member: String) throws(SDBusFailure)
        -> SDBusMessage
    {
        guard let handle else { throw SDBusFailure.disconnected }
        var message: OpaquePointer?
        let result = sd_bus_message_new_method_call(handle, &message, destination, path, interface, member)
        try SDBusFailure.check(result, "Could not create the D-Bus call \(interface).\(member)")
        guard let message else {
            throw SDBusFailure.failed(what: "Could not create the D-Bus call \(interface).\(member)", errno: ENOMEM)
        }
        return SDBusMessage(taking: message)
    }

    /// Sends `message` and waits for the answer, at most `timeout`: for a command-line check,
    /// never for the daemon. `read` gets the reply's reader, valid only while it runs.
    func callAndWait<T>(
        _ message: borrowing SDBusMessage,
        timeout: Duration,
        read: (SDBusMessageReader) throws(SDBusFailure) -> T
    ) throws(SDBusFailure) -> T {
        guard let handle else { throw SDBusFailure.disconnected }
        var error = breather_sd_bus_error_null()
        var reply: OpaquePointer?
        defer {
            sd_bus_error_free(&error)
            if let reply { sd_bus_message_unref(reply) }
        }
        let result = sd_bus_call(handle, message.pointer, timeout.sdBusMicroseconds, &error, &reply)
        if result < 0 {
            if sd_bus_error_is_set(&error) != 0, let name = error.name {
                throw SDBusFailure.errorReply(
                    name: String(cString: name), message: error.message.map { String(cString: $0) } ?? "")
            }
            throw SDBusFailure.failed(what: "The D-Bus call failed", errno: -result)
        }
        return try read(SDBusMessageReader(reply))
    }

    /// Sends `message` and returns at once. `reply` runs once, inside `process()` or
    /// `close()`: with the reply's reader, or with the failure (a D-Bus error, sd-bus's own
    /// `NoReply` error after `timeout`, or `.disconnected`). The reader is valid only during
    /// `reply`.
    func callAsync(
        _ message: borrowing SDBusMessage,
        timeout: Duration,
        reply: @escaping (Result<SDBusMessageReader, SDBusFailure>) -> Void
    ) throws(SDBusFailure) {
        guard let handle else { throw SDBusFailure.disconnected }
        let userdata = SlotUserdata()
        userdata.onMessage = { [unowned userdata] pointer in
            userdata.onDestroy = nil
            let reader = SDBusMessageReader(pointer)
            if let failure = reader.failure {
                reply(.failure(failure))
            } else {
                reply(.success(reader))
            }
        }
        userdata.onDestroy = { reply(.failure(.disconnected)) }
        try installFloating(userdata) { (slot: inout OpaquePointer?, opaque) in
            sd_bus_call_async(
                handle, &slot, message.pointer,
                { message, userdata, _ in
                    SlotUserdata.from(userdata).onMessage?(message)
                    return 0  // a negative value would make sd_bus_process fail
                }, opaque, timeout.sdBusMicroseconds)
        } describe: {
            "Could not send the D-Bus call"
        }
    }

    /// Subscribes to the signals `rule` matches; `signal` runs inside `process()` for each.
    /// The bus installs the match asynchronously; a failure to install is ignored (the
    /// connection stays usable, the signals just do not come).
    func addMatchAsync(_ rule: String, signal: @escaping (SDBusMessageReader) -> Void) throws(SDBusFailure) {
        guard let handle else { throw SDBusFailure.disconnected }
        let userdata = SlotUserdata()
        userdata.onMessage = { pointer in signal(SDBusMessageReader(pointer)) }
        try installFloating(userdata) { (slot: inout OpaquePointer?, opaque) in
            sd_bus_add_match_async(
                handle, &slot, rule,
                { message, userdata, _ in
                    SlotUserdata.from(userdata).onMessage?(message)
                    return 0  // 0: let other matches see the signal too
                },
                { _, _, _ in
                    0  // installed or not: without an install callback sd-bus would fail sd_bus_process
                }, opaque)
        } describe: {
            "Could not subscribe to D-Bus signals"
        }
    }

    /// Creates a slot with `create`, hands `userdata` to it (released by the slot's destroy
    /// callback), and makes the slot floating so the connection owns it.
    private func installFloating(
        _ userdata: SlotUserdata,
        create: (inout OpaquePointer?, UnsafeMutableRawPointer) -> Int32,
        describe: () -> String
    ) throws(SDBusFailure) {
        let opaque = Unmanaged.passRetained(userdata).toOpaque()
        var slot: OpaquePointer?
        let result = create(&slot, opaque)
        guard result >= 0, let slot else {
            Unmanaged<SlotUserdata>.fromOpaque(opaque).release()  // sd-bus never took it
            throw SDBusFailure.failed(what: describe(), errno: result < 0 ? -result : ENOMEM)
        }
        // Callbacks run only inside process(), never before these three calls finish.
        sd_bus_slot_set_destroy_callback(
            slot,
            { userdata in
                guard let userdata else { return }
                let box = Unmanaged<SlotUserdata>.fromOpaque(userdata).takeRetainedValue()
                let onDestroy = box.onDestroy
                box.onDestroy = nil
                box.onMessage = nil
                onDestroy?()
            })
        sd_bus_slot_set_floating(slot, 1)  // the bus takes its own reference...
        sd_bus_slot_unref(slot)  // ...so drop ours.
    }
}

/// The userdata of one sd-bus slot: what to do with a message, and what to do if the slot
/// dies first. Retained for the slot by `Unmanaged`; the destroy callback releases it.
final class SlotUserdata {
    var onMessage: ((OpaquePointer?) -> Void)?
    /// Runs once when the slot is freed, unless `onMessage` cleared it.
    var onDestroy: (() -> Void)?

    static func from(_ opaque: UnsafeMutableRawPointer?) -> SlotUserdata {
        Unmanaged<SlotUserdata>.fromOpaque(opaque!).takeUnretainedValue()
    }
}

/// An outgoing message (`sd_bus_message *`), unreferenced in `deinit`.
struct SDBusMessage: ~Copyable {
    fileprivate let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        sd_bus_message_unref(pointer)
    }

    func append(_ value: String) throws(SDBusFailure) {
        try SDBusFailure.check(
            breather_sd_bus_message_append_string(pointer, value), "Could not add a string to the D-Bus message")
    }

    func append(_ value: UInt32) throws(SDBusFailure) {
        try SDBusFailure.check(
            breather_sd_bus_message_append_uint32(pointer, value), "Could not add a number to the D-Bus message")
    }

    func append(_ value: Int32) throws(SDBusFailure) {
        try SDBusFailure.check(
            breather_sd_bus_message_append_int32(pointer, value), "Could not add a number to the D-Bus message")
    }

    func append(_ value: UInt8) throws(SDBusFailure) {
        try SDBusFailure.check(
            breather_sd_bus_message_append_byte(pointer, value), "Could not add a byte to the D-Bus message")
    }

    /// Appends one container (`a`, `e`, `v`, `r`) of `contents`' signature, filled by `body`.
    func container(_ type: Character, _ contents: String, _ body: () throws(SDBusFailure) -> Void) throws(SDBusFailure)
    {
        let typeCode = CChar(bitPattern: type.asciiValue!)
        try SDBusFailure.check(
            sd_bus_message_open_container(pointer, typeCode, contents),
            "Could not open a D-Bus container of type \(type)\(contents)")
        try body()
        try SDBusFailure.check(
            sd_bus_message_close_container(pointer), "Could not close a D-Bus container of type \(type)\(contents)")
    }
}

/// Reads a received message. It borrows the message sd-bus hands to a callback: use it
/// inside that callback only, never store it.
struct SDBusMessageReader {
    private let pointer: OpaquePointer?

    fileprivate init(_ pointer: OpaquePointer?) {
        self.pointer = pointer
    }

    /// The failure a method-error reply (or sd-bus's synthesised one) stands for. sd-bus
    /// answers pending calls with `NoReply` both on a timeout and when the connection
    /// closes; a closing connection is told apart by the bus no longer being open.
    fileprivate var failure: SDBusFailure? {
        guard let pointer else { return .disconnected }
        guard sd_bus_message_is_method_error(pointer, nil) > 0 else { return nil }
        let error = sd_bus_message_get_error(pointer)
        let name = error?.pointee.name.map { String(cString: $0) } ?? "org.freedesktop.DBus.Error.Failed"
        let message = error?.pointee.message.map { String(cString: $0) } ?? ""
        if name == SDBusFailure.noReply, let bus = sd_bus_message_get_bus(pointer), sd_bus_is_open(bus) <= 0 {
            return .disconnected
        }
        return .errorReply(name: name, message: message)
    }

    /// The unique bus name (`:1.42`) of the peer that sent the message, when the bus says.
    var sender: String? {
        guard let pointer, let name = sd_bus_message_get_sender(pointer) else { return nil }
        return String(cString: name)
    }

    func readUInt32() throws(SDBusFailure) -> UInt32 {
        var value: UInt32 = 0
        try read("a number (u)") { breather_sd_bus_message_read_uint32($0, &value) }
        return value
    }

    func readBool() throws(SDBusFailure) -> Bool {
        var value: Int32 = 0
        try read("a boolean (b)") { breather_sd_bus_message_read_bool($0, &value) }
        return value != 0
    }

    func readString() throws(SDBusFailure) -> String {
        var value: UnsafePointer<CChar>?
        try read("a string (s)") { breather_sd_bus_message_read_string($0, &value) }
        return String(cString: value!)
    }

    /// A file descriptor (`h`), duplicated (close-on-exec): the caller owns the result.
    func readUnixFD() throws(SDBusFailure) -> OwnedDescriptor {
        var fd: Int32 = -1
        try read("a file descriptor (h)") { breather_sd_bus_message_read_unix_fd($0, &fd) }
        switch SystemCall.valueOrErrno({ fcntl(fd, F_DUPFD_CLOEXEC, 0) }) {
        case .success(let duplicate):
            return OwnedDescriptor(duplicate)
        case .failure(let error):
            throw SDBusFailure.failed(
                what: "Could not keep the file descriptor from the D-Bus message", errno: error.rawValue)
        }
    }

    /// An array of strings (`as`).
    func readStringArray() throws(SDBusFailure) -> [String] {
        guard let pointer else { throw SDBusFailure.disconnected }
        let typeCode = CChar(bitPattern: UInt8(ascii: "a"))
        let entered = sd_bus_message_enter_container(pointer, typeCode, "s")
        try SDBusFailure.check(entered, "Could not read an array of strings (as) from the D-Bus message")
        guard entered > 0 else {
            throw SDBusFailure.failed(what: "The D-Bus message holds no array of strings (as) here", errno: ENXIO)
        }
        var strings: [String] = []
        while true {
            var value: UnsafePointer<CChar>?
            let result = breather_sd_bus_message_read_string(pointer, &value)
            try SDBusFailure.check(result, "Could not read an array of strings (as) from the D-Bus message")
            guard result > 0, let value else { break }
            strings.append(String(cString: value))
        }
        try SDBusFailure.check(
            sd_bus_message_exit_container(pointer), "Could not read an array of strings (as) from the D-Bus message")
        return strings
    }

    /// Runs one `sd_bus_message_read_basic` wrapper; 0 (no more data) is an error too.
    private func read(_ what: String, _ body: (OpaquePointer) -> Int32) throws(SDBusFailure) {
        guard let pointer else { throw SDBusFailure.disconnected }
        let result = body(pointer)
        try SDBusFailure.check(result, "Could not read \(what) from the D-Bus message")
        guard result > 0 else {
            throw SDBusFailure.failed(what: "The D-Bus message ends where \(what) was expected", errno: ENXIO)
        }
    }
}
