import Foundation
import Testing

@testable import BreatherCore

/// A fresh folder under the system's temporary folder, removed when `body` returns.
func withStateTestFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "breather-coretests-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

func stateTestListing(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
}

@Suite("StateStore")
struct StateStoreTests {
    /// A state with a running break, an extension and a retrying delivery.
    func busyState() throws -> BreatherState {
        var (machine, start) = try BreakFixture.started(note: "a walk \"outside\"")
        machine.deliverAll(start, now: BreakFixture.t0)
        _ = try machine.extend(by: .minutes(10), now: BreakFixture.at(60))
        _ = machine.fail("b1-extend1-alex", now: BreakFixture.at(61), retryAfter: 30)
        return machine.state
    }

    @Test func saveThenLoadGivesTheSameState() throws {
        try withStateTestFolder { folder in
            let store = StateStore(path: folder + "/state.json")
            let state = try busyState()
            try store.save(state)
            let loaded = store.load(now: BreakFixture.at(100))
            #expect(loaded.problem == nil)
            #expect(loaded.state == state)
            #expect(loaded.state.activeBreak?.checkinAt == BreakFixture.at(40 * 60))
            #expect(loaded.state.outbox.first?.nextAttemptAt == BreakFixture.at(91))
            #expect(try stateTestListing(folder) == ["state.json"], "no temporary file is left behind")
        }
    }

    @Test func theStateFileIsPrivateAndReadable() throws {
        try withStateTestFolder { folder in
            let path = folder + "/state.json"
            try StateStore(path: path).save(try busyState())
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("}\n"))
            #expect(text.contains(#""checkin_at":"2026-11-21T14:40:00.000Z""#))
            #expect(text.contains(#""active_break":"#))
            #expect(text.contains(#""version":1"#))
        }
    }

    @Test func aSecondSaveReplacesTheFirst() throws {
        try withStateTestFolder { folder in
            let store = StateStore(path: folder + "/state.json")
            try store.save(try busyState())
            try store.save(BreatherState())
            #expect(store.load(now: BreakFixture.t0).state == BreatherState())
            #expect(try stateTestListing(folder) == ["state.json"])
        }
    }

    @Test func aMissingFileIsAnEmptyStateWithoutAProblem() throws {
        try withStateTestFolder { folder in
            let loaded = StateStore(path: folder + "/state.json").load(now: BreakFixture.t0)
            #expect(loaded.state == BreatherState())
            #expect(loaded.problem == nil)
            let listing = try stateTestListing(folder)
            #expect(listing.isEmpty)
        }
    }

    static let corruptContents: [(String, [UInt8])] = [
        ("garbage", Array("this is not a state file\n".utf8)),
        ("truncated", Array(#"{"active_break":null,"outbox":[{"id":"b1-announce-alex","event":"announ"#.utf8)),
        ("zero-filled", [UInt8](repeating: 0, count: 4096)),
        ("empty", []),
        ("wrong shape", Array(#"{"version":1}"#.utf8)),
        ("JSON array", Array("[1,2,3]".utf8)),
        ("bad time", Array(#"{"version":1,"outbox":[],"active_break":{"id":"b1","started_at":"yesterday"}}"#.utf8)),
    ]

    @Test(arguments: corruptContents)
    func aCorruptFileIsMovedAsideAndTheStateStartsEmpty(name: String, contents: [UInt8]) throws {
        try withStateTestFolder { folder in
            let path = folder + "/state.json"
            try Data(contents).write(to: URL(fileURLWithPath: path))
            let loaded = StateStore(path: path).load(now: BreakFixture.t0)
            #expect(loaded.state == BreatherState(), "\(name)")
            #expect(!FileManager.default.fileExists(atPath: path), "\(name): the original path is free")
            let aside = path + ".corrupt-2026-11-21T140000.000Z"
            #expect(try stateTestListing(folder) == ["state.json.corrupt-2026-11-21T140000.000Z"], "\(name)")
            #expect(FileManager.default.contents(atPath: aside).map(Array.init) == contents, "\(name): kept as it was")
            let problem = try #require(loaded.problem)
            #expect(problem.contains(path), "\(name): the sentence names the file")
            #expect(problem.contains(aside), "\(name): and where it went")
            #expect(problem.hasSuffix("."))
            #expect(!problem.dropLast().contains("\n"))
        }
    }

    @Test func aFileOfAnotherVersionIsMovedAside() throws {
        try withStateTestFolder { folder in
            let path = folder + "/state.json"
            try Data(#"{"version":2,"outbox":[]}"#.utf8).write(to: URL(fileURLWithPath: path))
            let loaded = StateStore(path: path).load(now: BreakFixture.t0)
            #expect(loaded.state == BreatherState())
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(loaded.problem?.contains("version 2") == true)
        }
    }

    @Test func afterMovingAsideANewStateCanBeSaved() throws {
        try withStateTestFolder { folder in
            let store = StateStore(path: folder + "/state.json")
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: store.path))
            _ = store.load(now: BreakFixture.t0)
            let state = try busyState()
            try store.save(state)
            #expect(store.load(now: BreakFixture.at(1)).state == state)
            #expect(try stateTestListing(folder).count == 2)
        }
    }

    @Test func savingIntoAMissingFolderThrowsAFileErrorNamingIt() throws {
        try withStateTestFolder { folder in
            let store = StateStore(path: folder + "/missing/state.json")
            do throws(FileError) {
                try store.save(BreatherState())
                Issue.record("save should fail")
            } catch {
                #expect(error.path.hasPrefix(folder + "/missing/"))
                #expect(error.description.hasPrefix("Could not "))
                #expect(error.description.hasSuffix("."))
            }
        }
    }
}

@Suite("HistoryFile")
struct HistoryFileTests {
    func record(
        _ id: String, ended minutes: Double, outcome: HistoryRecord.Outcome = .back, extensions: Int = 0,
        note: String? = nil
    ) -> HistoryRecord {
        HistoryRecord(
            breakId: id, plan: "cool-down", startedAt: BreakFixture.t0, promisedAt: BreakFixture.checkin,
            checkinAt: BreakFixture.checkin.addingTimeInterval(Double(extensions) * 600),
            endedAt: BreakFixture.at(minutes * 60), outcome: outcome, extensions: extensions, note: note
        )
    }

    @Test func appendThenReadInOrder() throws {
        try withStateTestFolder { folder in
            let file = HistoryFile(path: folder + "/history.jsonl")
            let records = [
                record("b1", ended: 25), record("b2", ended: 42, extensions: 1, note: "long"),
                record("b3", ended: 5, outcome: .cancelled),
            ]
            for record in records { try file.append(record) }
            let read = try file.read()
            #expect(read.problems.isEmpty)
            #expect(read.records == records)
            #expect(read.records.map(\.onTime) == [true, false, false])
            #expect(read.records.map(\.lateSeconds) == [0, 120, 0])
            let lines = try String(contentsOfFile: file.path, encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 4, "one line per record, each ending in a newline")
            #expect(lines[0].contains(#""break_id":"b1""#))
            #expect(lines[0].contains(#""started_at":"2026-11-21T14:00:00.000Z""#))
            #expect(lines[0].contains(#""outcome":"back""#))
            #expect(lines[2].contains(#""outcome":"cancelled""#))
        }
    }

    @Test func aMissingFileIsAnEmptyHistory() throws {
        try withStateTestFolder { folder in
            let read = try HistoryFile(path: folder + "/history.jsonl").read()
            #expect(read.records.isEmpty)
            #expect(read.problems.isEmpty)
        }
    }

    @Test func aBreakWrittenTwiceCountsOnceAndTheLastLineWins() throws {
        try withStateTestFolder { folder in
            let file = HistoryFile(path: folder + "/history.jsonl")
            try file.append(record("b1", ended: 25))
            try file.append(record("b2", ended: 26))
            try file.append(record("b1", ended: 31, note: "rewritten"))
            let read = try file.read()
            #expect(read.records.map(\.breakId) == ["b1", "b2"])
            #expect(read.records.first?.note == "rewritten")
            #expect(read.records.first?.onTime == false)
            #expect(read.problems.isEmpty)
        }
    }

    @Test func aBadLineIsReportedWithFileAndLineAndSkipped() throws {
        try withStateTestFolder { folder in
            let path = folder + "/history.jsonl"
            let file = HistoryFile(path: path)
            try file.append(record("b1", ended: 25))
            let handle = try #require(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            handle.write(Data("{\"break_id\": \"half a line\n\nnot json either\n".utf8))
            try handle.close()
            try file.append(record("b2", ended: 26))
            let read = try file.read()
            #expect(read.records.map(\.breakId) == ["b1", "b2"])
            #expect(read.problems.count == 2)
            #expect(read.problems.first?.hasPrefix("\(path):2: ") == true)
            #expect(read.problems.last?.hasPrefix("\(path):4: ") == true, "the blank line 3 is counted, not reported")
            #expect(read.problems.allSatisfy { $0.hasSuffix(".") })
        }
    }

    @Test func aTornLastLineIsReportedAndTheRestRead() throws {
        try withStateTestFolder { folder in
            let path = folder + "/history.jsonl"
            let file = HistoryFile(path: path)
            try file.append(record("b1", ended: 25))
            try file.append(record("b2", ended: 26))
            var bytes = try #require(FileManager.default.contents(atPath: path))
            bytes.removeLast(20)
            try bytes.write(to: URL(fileURLWithPath: path))
            let read = try file.read()
            #expect(read.records.map(\.breakId) == ["b1"])
            #expect(read.problems == ["\(path):2: this line is not a break record, so it was skipped."])
        }
    }

    @Test func theMachinesHistoryRecordRoundTrips() throws {
        try withStateTestFolder { folder in
            var (machine, _) = try BreakFixture.started(note: "a walk")
            _ = try machine.extend(by: .minutes(15), now: BreakFixture.at(60))
            let effects = try machine.back(now: BreakFixture.at(44 * 60 + 30))
            let record = try #require(effects.histories.first)
            let file = HistoryFile(path: folder + "/history.jsonl")
            try file.append(record)
            let read = try file.read()
            #expect(read.records == [record])
            #expect(read.records.first?.onTime == true)
            #expect(read.records.first?.promisedAt == BreakFixture.checkin)
            #expect(read.records.first?.checkinAt == BreakFixture.at(45 * 60))
        }
    }
}
