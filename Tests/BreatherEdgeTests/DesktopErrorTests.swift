import BreatherDesktopBus
import Glibc
import Testing

/// The sentences a failed notification is reported with, without a bus.
struct DesktopErrorTests {
    @Test func withoutAnyBusTheSentenceSaysBothVariablesAreUnset() {
        let error = DesktopError.noSessionBus(errno: ENOMEDIUM, address: nil, runtimeDirectory: nil)
        #expect(error.code == .noSessionBus)
        #expect(
            error.message == "There is no session bus: DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are both unset.")
        #expect(error.isRetryable)
    }

    @Test func aRefusedRuntimeSocketIsNamed() {
        let error = DesktopError.noSessionBus(errno: ECONNREFUSED, address: nil, runtimeDirectory: "/run/user/1000/")
        #expect(
            error.message
                == "Could not connect to the session bus at /run/user/1000/bus ($XDG_RUNTIME_DIR/bus; DBUS_SESSION_BUS_ADDRESS is unset): Connection refused."
        )
    }

    @Test func busErrorsMapOntoCodes() {
        let timeout = Duration.seconds(10)
        let unknown = DesktopError.from(
            .errorReply(name: "org.freedesktop.DBus.Error.ServiceUnknown", message: "The name is not activatable"),
            timeout: timeout)
        #expect(unknown.code == .noServer)
        #expect(
            DesktopError.from(
                .errorReply(name: "org.freedesktop.DBus.Error.NameHasNoOwner", message: ""), timeout: timeout
            ).code == .noServer)

        let spawn = DesktopError.from(
            .errorReply(name: "org.freedesktop.DBus.Error.Spawn.ChildExited", message: "Process exited with status 1"),
            timeout: timeout)
        #expect(spawn.code == .noServer)
        #expect(spawn.isRetryable)
        #expect(
            spawn.message
                == "The session bus could not start a notification server (org.freedesktop.DBus.Error.Spawn.ChildExited: Process exited with status 1); check the service that provides org.freedesktop.Notifications."
        )

        let late = DesktopError.from(
            .errorReply(name: "org.freedesktop.DBus.Error.NoReply", message: "Method call timed out"), timeout: timeout)
        #expect(late.code == .timeout)
        #expect(late.message == "The notification server did not answer within 10 seconds.")

        #expect(DesktopError.from(.disconnected, timeout: timeout).code == .connectionLost)
        #expect(
            DesktopError.from(.failed(what: "Could not send the D-Bus call", errno: ENOTCONN), timeout: timeout).code
                == .connectionLost)

        let refused = DesktopError.from(
            .errorReply(name: "org.freedesktop.DBus.Error.InvalidArgs", message: "Bad hint."), timeout: timeout)
        #expect(refused.code == .rejected)
        #expect(!refused.isRetryable)
        #expect(
            refused.message
                == "The notification server refused the notification (org.freedesktop.DBus.Error.InvalidArgs: Bad hint); check that it implements the freedesktop notification specification."
        )

        let built = DesktopError.from(
            .failed(what: "Could not add a string to the D-Bus message", errno: EINVAL), timeout: timeout)
        #expect(built.code == .invalidMessage)
        #expect(built.message == "Could not add a string to the D-Bus message: Invalid argument.")
    }

    @Test func timeoutsReadNaturally() {
        #expect(DesktopError.describe(.seconds(10)) == "10 seconds")
        #expect(DesktopError.describe(.seconds(1)) == "1 second")
        #expect(DesktopError.describe(.milliseconds(500)) == "0.5 seconds")
        #expect(DesktopError.describe(.milliseconds(1500)) == "1.5 seconds")
    }

    @Test func sdBusTimeoutsAreMicrosecondsAndNeverZero() {
        #expect(Duration.seconds(10).sdBusMicroseconds == 10_000_000)
        #expect(Duration.milliseconds(1).sdBusMicroseconds == 1_000)
        #expect(Duration.zero.sdBusMicroseconds == 1)  // 0 would mean sd-bus's 25 s default
        #expect(Duration.seconds(-3).sdBusMicroseconds == 1)
    }
}
