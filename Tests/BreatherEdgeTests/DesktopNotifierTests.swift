import BreatherCore
import BreatherDesktopBus
import Foundation
import Glibc
import Testing

@testable import BreatherSystemd

/// The notifier against a real `dbus-daemon` and python3-dbusmock's notification server.
/// Serialized: each test points the process's `DBUS_SESSION_BUS_ADDRESS` at its own bus.
// Needs dbus-daemon, busctl and python3-dbusmock; without them the suite fails, never skips.
@Suite(.serialized)
final class DesktopNotifierTests {
    private let savedAddress = getenv("DBUS_SESSION_BUS_ADDRESS").map { String(cString: $0) }
    private let savedRuntimeDirectory = getenv("XDG_RUNTIME_DIR").map { String(cString: $0) }

    deinit {
        Self.restore("DBUS_SESSION_BUS_ADDRESS", savedAddress)
        Self.restore("XDG_RUNTIME_DIR", savedRuntimeDirectory)
    }

    private static func restore(_ name: String, _ value: String?) {
        if let value {
            setenv(name, value, 1)
        } else {
            unsetenv(name)
        }
    }

    /// A bus with the mock on it, and the process pointed at that bus.
    private func runningServer(capabilities: [String]? = nil) async throws -> DesktopTestBus {
        let bus = try DesktopTestBus()
        try await bus.startBus()
        try await bus.startMock(capabilities: capabilities)
        setenv("DBUS_SESSION_BUS_ADDRESS", bus.address, 1)
        return bus
    }

    private func show(_ notification: DesktopNotification, with notifier: DesktopNotifier) async throws -> Result<
        ShownNotification, DesktopError
    > {
        let answer = TestSignal<Result<ShownNotification, DesktopError>>()
        notifier.notify(notification) { answer.fulfill($0) }
        return try #require(await answer.value(within: .seconds(20)), "notify never completed")
    }

    /// `show`, for the id alone.
    private func send(_ notification: DesktopNotification, with notifier: DesktopNotifier) async throws -> Result<
        UInt32, DesktopError
    > {
        try await show(notification, with: notifier).map(\.id)
    }

    private static let reminder = DesktopNotification(
        summary: "Check in soon",
        body: "5 minutes until you promised to check in with Alex.",
        urgency: .critical,
        actions: [.init(key: "back", label: "I'm back"), .init(key: "extend", label: "15 more minutes")],
        expireTimeout: 0)

    @Test func notifyCarriesEveryArgumentAndReplacesInPlace() async throws {
        let bus = try await runningServer(capabilities: ["actions", "body"])
        let notifier = DesktopNotifier()
        #expect(notifier.supportsActions == nil)

        let shown = try await show(Self.reminder, with: notifier).get()
        let id = shown.id
        #expect(id == 1)
        #expect(shown.server.contains("/:1."))
        #expect(notifier.supportsActions == true)

        var replacement = Self.reminder
        replacement.replaces = shown
        replacement.summary = "Time to check in"
        replacement.urgency = .normal
        replacement.actions = []
        replacement.expireTimeout = -1
        #expect(try await send(replacement, with: notifier).get() == id)

        #expect(bus.calls("GetCapabilities").count == 1)  // asked once per connection
        #expect(
            bus.calls("Notify") == [
                #"Notify "Breather" 0 "appointment-soon" "Check in soon" "5 minutes until you promised to check in with Alex." ["back", "I'm back", "extend", "15 more minutes"] {"urgency": 2} 0"#,
                #"Notify "Breather" 1 "appointment-soon" "Time to check in" "5 minutes until you promised to check in with Alex." [] {"urgency": 1} -1"#,
            ])
    }

    @Test func buttonsAreLeftOutWhenTheServerDoesNotShowThem() async throws {
        let bus = try await runningServer()  // the template's default list has no "actions"
        let notifier = DesktopNotifier()
        var notification = Self.reminder
        notification.urgency = .low
        let id = try await send(notification, with: notifier).get()
        #expect(id == 1)
        #expect(notifier.supportsActions == false)
        #expect(
            bus.calls("Notify") == [
                #"Notify "Breather" 0 "appointment-soon" "Check in soon" "5 minutes until you promised to check in with Alex." [] {"urgency": 0} 0"#
            ])
    }

    @Test func pressingAButtonAndClosingReachTheHandlers() async throws {
        let bus = try await runningServer(capabilities: ["actions", "body"])
        let notifier = DesktopNotifier()
        let pressed = TestSignal<(UInt32, String)>()
        let closed = TestSignal<(UInt32, UInt32)>()
        notifier.setHandlers(action: { pressed.fulfill(($0.id, $1)) }, closed: { closed.fulfill(($0.id, $1)) })

        let id = try await send(Self.reminder, with: notifier).get()
        try await bus.emit("ActionInvoked", signature: "us", ["u", String(id), "s", "back"])
        let press = try #require(await pressed.value(within: .seconds(10)), "no ActionInvoked reached the handler")
        #expect(press.0 == id)
        #expect(press.1 == "back")

        // The template's CloseNotification emits NotificationClosed(id, 1).
        try await bus.busctl([
            "call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications", "CloseNotification", "i", String(id),
        ])
        let close = try #require(await closed.value(within: .seconds(10)), "no NotificationClosed reached the handler")
        #expect(close.0 == id)
        #expect(close.1 == 1)
    }

    @Test func aServerThatStartsLaterIsFound() async throws {
        let bus = try DesktopTestBus()
        try await bus.startBus()
        setenv("DBUS_SESSION_BUS_ADDRESS", bus.address, 1)
        let notifier = DesktopNotifier()

        let missing = await #expect(throws: DesktopError.self) {
            try await self.send(Self.reminder, with: notifier).get()
        }
        #expect(missing?.code == .noServer)
        #expect(
            missing?.message
                == "No notification server is running on the session bus (org.freedesktop.Notifications is not there).")
        #expect(missing?.isRetryable == true)
        #expect(notifier.supportsActions == nil)

        try await bus.startMock(capabilities: ["actions"])
        #expect(try await send(Self.reminder, with: notifier).get() == 1)
        #expect(notifier.supportsActions == true)
        #expect(bus.calls("Notify").first?.contains(#"["back", "I'm back""#) == true)
    }

    @Test func withoutABusTheErrorNamesTheAddressAndABusStartedLaterIsUsed() async throws {
        let bus = try DesktopTestBus()
        setenv("DBUS_SESSION_BUS_ADDRESS", bus.address, 1)  // nothing listens there yet
        let notifier = DesktopNotifier()

        let error = await #expect(throws: DesktopError.self) {
            try await self.send(Self.reminder, with: notifier).get()
        }
        #expect(error?.code == .noSessionBus)
        #expect(
            error?.message
                == "Could not connect to the session bus at DBUS_SESSION_BUS_ADDRESS=\(bus.address): No such file or directory."
        )
        #expect(error?.isRetryable == true)

        try await bus.startBus()
        try await bus.startMock()
        #expect(try await send(Self.reminder, with: notifier).get() == 1)
    }

    @Test func withoutAnyBusAddressTheErrorSaysWhereItLooked() async throws {
        let folder = try DesktopTestBus()  // an empty runtime folder: no bus socket in it
        unsetenv("DBUS_SESSION_BUS_ADDRESS")
        setenv("XDG_RUNTIME_DIR", folder.directory, 1)
        defer { Self.restore("XDG_RUNTIME_DIR", savedRuntimeDirectory) }
        let notifier = DesktopNotifier()

        let error = await #expect(throws: DesktopError.self) {
            try await self.send(Self.reminder, with: notifier).get()
        }
        #expect(error?.code == .noSessionBus)
        #expect(
            error?.message
                == "There is no session bus: DBUS_SESSION_BUS_ADDRESS is unset and \(folder.directory)/bus ($XDG_RUNTIME_DIR/bus) does not exist."
        )
    }

    @Test func aRestartedBusAndServerAreReconnected() async throws {
        let bus = try await runningServer(capabilities: ["actions"])
        let notifier = DesktopNotifier()
        let pressed = TestSignal<(UInt32, String)>()
        notifier.setHandlers(action: { pressed.fulfill(($0.id, $1)) }, closed: { _, _ in })
        #expect(try await send(Self.reminder, with: notifier).get() == 1)

        bus.stopMock()
        bus.stopBus()
        try await bus.startBus()
        try await bus.startMock()  // without "actions" this time

        var again = Self.reminder
        again.summary = "After the restart"
        #expect(try await send(again, with: notifier).get() == 1)
        #expect(notifier.supportsActions == false)  // asked again on the new connection
        #expect(bus.calls("Notify").count == 1)  // the new mock's log
        #expect(
            bus.calls("Notify").first?.contains(
                #""After the restart" "5 minutes until you promised to check in with Alex." []"#) == true)

        // The signal subscriptions came back with the connection.
        try await bus.emit("ActionInvoked", signature: "us", ["u", "1", "s", "default"])
        let press = try #require(await pressed.value(within: .seconds(10)), "no ActionInvoked after the reconnect")
        #expect(press.1 == "default")
    }

    @Test func theBodyIsEscapedOnlyForServersThatReadMarkup() async throws {
        var notification = Self.reminder
        notification.body = "I love you <3 Taking 10 minutes -> back at 09:30. Sam & Alex"
        let markup = try await runningServer(capabilities: ["actions", "body", "body-markup"])
        _ = try await send(notification, with: DesktopNotifier()).get()
        #expect(
            markup.calls("Notify").first?.contains(
                #""I love you &lt;3 Taking 10 minutes -&gt; back at 09:30. Sam &amp; Alex""#) == true)

        let plain = try await runningServer(capabilities: ["actions", "body"])
        _ = try await send(notification, with: DesktopNotifier()).get()
        #expect(
            plain.calls("Notify").first?.contains(#""I love you <3 Taking 10 minutes -> back at 09:30. Sam & Alex""#)
                == true)
    }

    @Test func aRestartedServersIdsAreNeitherReplacedNorClosed() async throws {
        let bus = try await runningServer(capabilities: ["actions"])
        let notifier = DesktopNotifier()
        let before = try await show(Self.reminder, with: notifier).get()

        // The server restarts on the same bus and numbers from 1 again; another program's
        // notification gets id 1.
        bus.stopMock()
        try await bus.startMock(capabilities: ["actions"])
        try await bus.busctl([
            "call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications", "Notify", "susssasa{sv}i",
            "other-app", "0", "", "Download finished", "file.iso", "0", "0", "5000",
        ])
        var next = Self.reminder
        next.replaces = before
        let after = try await show(next, with: notifier).get()
        #expect(after.server != before.server)
        notifier.close(before)
        // A call after the close, answered in order: the close (if any) went out before it.
        _ = try await show(Self.reminder, with: notifier).get()
        let notifies = bus.calls("Notify")
        #expect(notifies.count == 3)
        #expect(
            notifies.dropFirst().allSatisfy { $0.hasPrefix(#"Notify "Breather" 0 "#) },
            "a restarted server's id was replaced: \(notifies)")
        #expect(bus.calls("CloseNotification").isEmpty, "another program's notification was closed")

        // Its own notification, from the server now running, is closed.
        notifier.close(after)
        try await DesktopTestBus.waitUntil("CloseNotification reaches the server", within: .seconds(10)) {
            bus.calls("CloseNotification").count == 1
        }
    }

    @Test func aServerThatDoesNotAnswerTimesOut() async throws {
        let bus = try await runningServer()
        // Replace Notify with one that answers too late.
        try await bus.busctl([
            "call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
            "org.freedesktop.DBus.Mock", "AddMethod", "sssss", "", "Notify", "susssasa{sv}i", "u",
            "import time; time.sleep(2); ret = 7",
        ])
        let notifier = DesktopNotifier(timeout: .milliseconds(500))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: DesktopError.self) {
            try await self.send(Self.reminder, with: notifier).get()
        }
        #expect(clock.now - start < .seconds(2))
        #expect(error?.code == .timeout)
        #expect(error?.message == "The notification server did not answer within 0.5 seconds.")
        #expect(error?.isRetryable == true)
    }

    @Test func droppingTheNotifierCompletesWhatIsPending() async throws {
        let bus = try await runningServer()
        // A server that takes its time, so the answer cannot beat the drop (under a sanitizer
        // everything is slower, and a quick server sometimes did).
        try await bus.busctl([
            "call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
            "org.freedesktop.DBus.Mock", "AddMethod", "sssss", "", "Notify", "susssasa{sv}i", "u",
            "import time; time.sleep(2); ret = 7",
        ])
        let answer = TestSignal<Result<ShownNotification, DesktopError>>()
        do {
            let notifier = DesktopNotifier()
            notifier.notify(Self.reminder) { answer.fulfill($0) }
        }  // gone before the server answers: the queue closes the connection next
        let result = try #require(await answer.value(within: .seconds(10)), "the pending notify never completed")
        #expect(throws: DesktopError.self) { try result.get() }
        #expect((try? result.get()) == nil)
        if case .failure(let error) = result {
            #expect(error.code == .connectionLost)
        }
        withExtendedLifetime(bus) {}
    }
}
