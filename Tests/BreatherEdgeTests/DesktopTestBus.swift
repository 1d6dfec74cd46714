import BreatherCore
import Foundation
import Glibc
import Synchronization

/// A private session bus (`dbus-daemon`) and notification server (python3-dbusmock's
/// `notification_daemon` template) in a temporary folder, started as child processes and
/// stopped by their PIDs. Every wait is bounded.
final class DesktopTestBus {
    static let dbusDaemon = "/usr/bin/dbus-daemon"
    static let busctlPath = "/usr/bin/busctl"
    /// Debian's python3: the one on PATH may lack the module.
    static let python = "/usr/bin/python3"

    /// Whether this machine can run these tests.
    static var isAvailable: Bool {
        [dbusDaemon, busctlPath, python].allSatisfy { (path: String) in access(path, X_OK) == 0 }
            && FileManager.default.fileExists(
                atPath: "/usr/lib/python3/dist-packages/dbusmock/templates/notification_daemon.py")
    }

    let directory: String
    var socketPath: String { directory + "/bus" }
    var address: String { "unix:path=" + socketPath }
    var logPath: String { directory + "/notify.log" }

    private var daemon: Process?
    private var mock: Process?

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/breather-desktop-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TestBusError("Could not create a temporary folder: \(Errno.current.systemText).")
        }
        directory = String(cString: made)
    }

    deinit {
        stopMock()
        stopBus()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A session bus without the system's service folders: where a notification server is
    /// installed (dunst, notification-daemon), the standard session bus would try to start it
    /// on the first `Notify`, and "no server" would become "no answer in time".
    static let sessionConfig = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:tmpdir=/tmp</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """

    /// Starts `dbus-daemon` on `address` and waits until it prints its address, which it
    /// does once it listens.
    func startBus() async throws {
        let printed = directory + "/address"
        _ = FileManager.default.createFile(atPath: printed, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.dbusDaemon)
        let config = directory + "/session.conf"
        try Self.sessionConfig.write(toFile: config, atomically: true, encoding: .utf8)
        process.arguments = ["--config-file=" + config, "--nofork", "--print-address=1", "--address=" + address]
        process.standardOutput = FileHandle(forWritingAtPath: printed)
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        daemon = process
        try await Self.waitUntil("dbus-daemon prints its address", within: .seconds(10)) {
            ((try? String(contentsOfFile: printed, encoding: .utf8)) ?? "").contains("unix:")
        }
    }

    /// Starts the mock notification server and waits until it owns its name. `capabilities`
    /// replaces the template's list (which has no `actions`).
    func startMock(capabilities: [String]? = nil) async throws {
        var arguments = ["-m", "dbusmock", "--template", "notification_daemon", "-l", logPath]
        if let capabilities {
            let json = try JSONSerialization.data(withJSONObject: ["capabilities": capabilities.joined(separator: " ")])
            arguments += ["-p", String(decoding: json, as: UTF8.self)]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = address
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        mock = process
        // The name is requested before the template's methods are added, but the mock
        // serves no call until both are done.
        try await Self.waitUntil("the mock owns org.freedesktop.Notifications", within: .seconds(20)) {
            guard process.isRunning else { return true }  // reported below
            let answer = try? await self.busctl([
                "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                "org.freedesktop.DBus", "NameHasOwner", "s", "org.freedesktop.Notifications",
            ])
            return answer?.trimmingCharacters(in: .whitespacesAndNewlines) == "b true"
        }
        guard process.isRunning else {
            throw TestBusError("The notification mock exited at once (status \(process.terminationStatus)).")
        }
    }

    func stopMock() {
        Self.stop(mock)
        mock = nil
    }

    func stopBus() {
        Self.stop(daemon)
        daemon = nil
    }

    /// The mock's log lines for `method`, without their timestamps.
    func calls(_ method: String) -> [String] {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            guard let space = line.firstIndex(of: " ") else { return nil }
            let call = line[line.index(after: space)...]
            return call.hasPrefix(method + " ") || call == method ? String(call) : nil
        }
    }

    /// Runs busctl against this bus to completion (at most 10 s); its standard output.
    @discardableResult
    func busctl(_ arguments: [String]) async throws -> String {
        try await Self.run(Self.busctlPath, ["--address=" + address] + arguments)
    }

    /// Has the mock emit a signal of its interface, as a notification server would.
    func emit(_ signal: String, signature: String, _ arguments: [String]) async throws {
        try await busctl(
            [
                "call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                "org.freedesktop.DBus.Mock", "EmitSignal", "sssav", "", signal, signature,
                String(arguments.count / 2),
            ] + arguments)
    }

    // MARK: - Processes and waiting

    static func run(_ executable: String, _ arguments: [String], within limit: Duration = .seconds(10)) async throws
        -> String
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let exited = TestSignal<Int32>()
        process.terminationHandler = { exited.fulfill($0.terminationStatus) }
        try process.run()
        // Small outputs: the pipes cannot fill before the process exits.
        guard let status = await exited.value(within: limit) else {
            stop(process)
            throw TestBusError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(limit).")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestBusError("\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(message)")
        }
        return text
    }

    /// SIGKILL by PID, then waits (at most 5 s) for the exit. Not SIGTERM: a child spawned
    /// from a Dispatch worker thread inherits its signal mask, in which SIGTERM is blocked.
    private static func stop(_ process: Process?) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(process, within: .seconds(5))
    }

    private static func waitForExit(_ process: Process, within limit: Duration) -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while process.isRunning && clock.now < end {
            usleep(10_000)
        }
        return !process.isRunning
    }

    /// Polls `condition` every 20 ms until it holds; throws after `limit`.
    static func waitUntil(_ what: String, within limit: Duration, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while clock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestBusError("Gave up waiting after \(limit): \(what).")
    }
}

struct TestBusError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A value that arrives once, from any thread, awaited with a time limit.
final class TestSignal<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiter: CheckedContinuation<Value?, Never>?
    }

    private let state = Mutex(State())

    /// The first value wins; later ones are ignored.
    func fulfill(_ value: Value) {
        let waiter: CheckedContinuation<Value?, Never>? = state.withLock { state in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    /// The value, or nil when none came within `limit`.
    func value(within limit: Duration) async -> Value? {
        await withCheckedContinuation { continuation in
            let ready: Value? = state.withLock { state in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let ready {
                continuation.resume(returning: ready)
                return
            }
            let nanoseconds =
                Int(limit.components.seconds) * 1_000_000_000 + Int(limit.components.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
                let expired = self.state.withLock { state in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                expired?.resume(returning: nil)
            }
        }
    }
}
