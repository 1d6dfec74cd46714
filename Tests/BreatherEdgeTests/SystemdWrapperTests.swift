import BreatherCore
import Glibc
import Logging
import Testing

@testable import BreatherSystemd

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
        let line = LogEntry(
            identifier: "breatherd", level: .warning, message: "Delivery failed\nretrying",
            fields: [(key: "channel", value: "alex"), (key: "error", value: "Timeout was reached (curl error 28).")]
        ).standardErrorLine
        #expect(
            line
                == #"breatherd[warning]: Delivery failed\nretrying channel=alex error="Timeout was reached (curl error 28).""#
                + "\n")
    }

    @Test func handlerMetadataIsAValueAndCallMetadataWins() {
        var handler = BreatherLogHandler(identifier: "breatherd", sink: .journal)
        handler[metadataKey: "plan"] = "cool-down"
        var copy = handler
        copy[metadataKey: "plan"] = "other"
        #expect(handler[metadataKey: "plan"] == "cool-down")
        let merged = LogEntry.merge(
            handler: handler.metadata, provider: nil, call: ["plan": "walk", "event": "announce"])
        #expect(merged.map(\.key) == ["event", "plan"])
        #expect(merged.map(\.value) == ["announce", "walk"])
    }

    @Test func theFactoryPicksTheJournalOnlyWhenItListens() {
        let handler = BreatherLogHandler.factory(identifier: "breatherd")("test") as? BreatherLogHandler
        #expect(handler?.sink == (Journal.isAvailable ? .journal : .standardError))
    }

    @Test func bothSinksGetTheSameMergedFieldsAndTheJournalNamesThem() {
        let provider = Logger.MetadataProvider { ["plan": "provided", "attempt": "2"] }
        var handler = BreatherLogHandler(identifier: "breatherd", sink: .standardError, metadataProvider: provider)
        handler[metadataKey: "break-id"] = "b1"
        let event = LogEvent(
            level: .notice, message: "Sent.", metadata: ["plan": "walk"], source: "test",
            file: "F.swift", function: "f()", line: 7)
        let entry = LogEntry(identifier: "breatherd", event: event, metadata: handler.metadata, provider: provider)
        #expect(entry.fields.map(\.key) == ["attempt", "break-id", "plan"])
        #expect(entry.fields.map(\.value) == ["2", "b1", "walk"])
        #expect(entry.journalFields.map(\.name) == ["BREATHER_ATTEMPT", "BREATHER_BREAK_ID", "BREATHER_PLAN"])
        #expect(entry.standardErrorLine == "breatherd[notice]: Sent. attempt=2 break-id=b1 plan=walk\n")
    }

    @Test func withoutSocketActivationThereAreNoInheritedSockets() throws {
        #expect(ListenFDs.start == 3)
        if getenv("LISTEN_FDS") == nil {
            #expect(try ListenFDs.take().isEmpty)
        }
    }

    @Test func recognisesAListeningUnixStreamSocket() throws {
        let path = "/tmp/breather-edge-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let socket = try UnixSocketAddress.streamSocket()
        let fd = socket.rawValue
        defer { unlink(path) }
        try UnixSocketAddress(path: path).bind(fd)
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
