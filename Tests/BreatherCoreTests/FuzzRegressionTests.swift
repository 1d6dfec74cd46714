import Foundation
import Testing

@testable import BreatherCore

/// Inputs the fuzzers found that once crashed or misled; each must now be refused calmly.
@Suite struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Regressions")

    /// Found by FuzzState: a reminder index outside the plan crashed `extend`.
    @Test func aStateWithAReminderOutsideItsPlanIsMovedAside() throws {
        let bytes = try Data(contentsOf: Self.folder.appendingPathComponent("state-reminder-index-out-of-range.json"))
        let state = try BreatherJSON.decoder().decode(BreatherState.self, from: bytes)
        #expect(state.inconsistency == "its running break has reminders that do not match its plan")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("breather-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.json"
        FileManager.default.createFile(atPath: path, contents: bytes)
        let loaded = StateStore(path: path).load()
        #expect(loaded.state == BreatherState())
        #expect(
            loaded.problem?.contains(
                "could not be used because its running break has reminders that do not match its plan") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
