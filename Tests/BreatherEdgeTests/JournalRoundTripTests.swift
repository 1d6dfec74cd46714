import BreatherSystemd
import Foundation
import Logging
import Testing

/// Runs only where a journald listens and `BREATHER_TEST_JOURNAL` is set (the integration
/// harness starts journald in a private namespace; these tests never start one).
@Suite(.enabled(if: Journal.isAvailable && ProcessInfo.processInfo.environment["BREATHER_TEST_JOURNAL"] != nil))
struct JournalRoundTripTests {
    @Test func structuredFieldsArriveInTheJournal() throws {
        let identifier = "breather-edge-\(UInt32.random(in: 0...UInt32.max))"
        let logger = Logger(label: "test") { _ in JournalLogHandler(identifier: identifier) }
        logger.warning("Delivery failed\nsecond line", metadata: ["event": "reminder", "break_id": "b-1", "late_seconds": "0.5"])

        let sync = Process()
        sync.executableURL = URL(fileURLWithPath: "/bin/journalctl")
        sync.arguments = ["--sync"]
        try sync.run()
        sync.waitUntilExit()

        let read = Process()
        let pipe = Pipe()
        read.executableURL = URL(fileURLWithPath: "/bin/journalctl")
        read.arguments = ["-o", "json", "--no-pager", "-t", identifier]
        read.standardOutput = pipe
        try read.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        read.waitUntilExit()

        let line = try #require(String(decoding: output, as: UTF8.self).split(separator: "\n").first)
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(entry["BREATHER_EVENT"] as? String == "reminder")
        #expect(entry["BREATHER_BREAK_ID"] as? String == "b-1")
        #expect(entry["BREATHER_LATE_SECONDS"] as? String == "0.5")
        #expect(entry["PRIORITY"] as? String == "4")
        #expect(entry["MESSAGE"] as? String == "Delivery failed\nsecond line")
        #expect((entry["CODE_FILE"] as? String)?.hasSuffix("JournalRoundTripTests.swift") == true)
        #expect(entry["CODE_FUNC"] != nil)
    }
}
