@testable import BreatherSystemd
import Glibc
import Logging
import Testing

struct SystemdWrapperTests {
    @Test func aJournalFieldWithABadNameIsRefusedBeforeSending() {
        #expect(throws: SystemdError.self) {
            try Journal.sendFields([("MESSAGE", "hello"), ("bad-name", "x")])
        }
        do {
            try Journal.sendFields([("_PID", "1")])
            Issue.record("a trusted field name was accepted")
        } catch {
            #expect(error.code == .invalidJournalField)
            #expect(error.message.hasSuffix("."))
        }
    }

    @Test func logLevelsMapOntoSyslogPriorities() {
        #expect(JournalPriority(.trace) == .debug)
        #expect(JournalPriority(.info) == .info)
        #expect(JournalPriority(.warning).rawValue == 4)
        #expect(JournalPriority(.critical).rawValue == 2)
    }

    @Test func theStderrLineCarriesLevelMessageAndMetadata() {
        let line = StderrLogHandler.line(
            identifier: "breatherd", level: .warning, message: "Delivery failed\nretrying",
            fields: [(key: "channel", value: "alex"), (key: "error", value: "Timeout was reached (curl error 28).")])
        #expect(line == #"breatherd[warning]: Delivery failed\nretrying channel=alex error="Timeout was reached (curl error 28).""# + "\n")
    }

    @Test func handlerMetadataIsAValueAndCallMetadataWins() {
        var handler = JournalLogHandler(identifier: "breatherd")
        handler[metadataKey: "plan"] = "cool-down"
        var copy = handler
        copy[metadataKey: "plan"] = "other"
        #expect(handler[metadataKey: "plan"] == "cool-down")
        let merged = LogMetadataFlattening.merge(handler: handler.metadata, provider: nil, call: ["plan": "walk", "event": "announce"])
        #expect(merged.map(\.key) == ["event", "plan"])
        #expect(merged.map(\.value) == ["announce", "walk"])
    }

    @Test func theFactoryPicksTheJournalOnlyWhenItListens() {
        let handler = JournalLogHandler.factory(identifier: "breatherd")("test")
        if Journal.isAvailable {
            #expect(handler is JournalLogHandler)
        } else {
            #expect(handler is StderrLogHandler)
        }
    }

    @Test func withoutSocketActivationThereAreNoInheritedSockets() throws {
        #expect(ListenFDs.start == 3)
        if getenv("LISTEN_FDS") == nil {
            #expect(try ListenFDs.take().isEmpty)
        }
    }

    @Test func recognisesAListeningUnixStreamSocket() throws {
        let path = "/tmp/breather-edge-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            path.utf8CString.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(try ListenFDs.isListeningUnixStreamSocket(fd) == false)  // bound, not listening yet
        #expect(listen(fd, 4) == 0)
        #expect(try ListenFDs.isListeningUnixStreamSocket(fd))

        let tcp = try TestHTTPServer.listen().0
        defer { close(tcp) }
        #expect(try ListenFDs.isListeningUnixStreamSocket(tcp) == false)
    }

    @Test func aClosedDescriptorIsAnError() {
        #expect(throws: SystemdError.self) { try ListenFDs.isListeningUnixStreamSocket(-1) }
    }

    @Test func withoutAServiceManagerNotifyingDoesNothing() throws {
        guard getenv("NOTIFY_SOCKET") == nil, getenv("WATCHDOG_USEC") == nil else { return }
        let notifier = SystemdNotifier()
        #expect(!notifier.isSupervised)
        #expect(try notifier.notify(["READY=1"]) == false)
        try notifier.ready(status: "Watching 0 breaks")
        try notifier.reloading()
        #expect(try SystemdNotifier.watchdogInterval() == nil)
    }
}
