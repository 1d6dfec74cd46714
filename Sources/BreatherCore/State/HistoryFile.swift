import Foundation

/// `history.jsonl`: one finished break per line, appended and flushed when it ends.
public struct HistoryFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func append(_ record: HistoryRecord) throws(FileError) {
        let data: Data
        do {
            data = try BreatherJSON.encoder().encode(record)
        } catch {
            throw FileError(code: .write, path: path, errno: EINVAL)
        }
        try AtomicFile.append(Array(data) + [10], to: path)
    }

    /// The records in order, one per break (a break written twice, after a crash between
    /// the history and the state, counts once: the last line wins), and one sentence for
    /// each line that could not be read, naming the file and line.
    public func read() throws(FileError) -> (records: [HistoryRecord], problems: [String]) {
        guard let bytes = try AtomicFile.read(path) else { return ([], []) }
        return HistoryFile.parse(bytes, path: path)
    }

    /// `read()`, plus the finished breaks that `state.json` still holds because the daemon
    /// stopped between saving them and writing them here (it writes them at its next start).
    /// The state file is only read: a damaged one adds nothing, and is left for the daemon.
    public func read(includingHeldIn stateFile: String) throws(FileError) -> (
        records: [HistoryRecord], problems: [String]
    ) {
        var (records, problems) = try read()
        guard let bytes = try? AtomicFile.read(stateFile),
            let state = try? BreatherJSON.decoder().decode(BreatherState.self, from: Data(bytes)),
            let held = state.unwritten?.history
        else { return (records, problems) }
        let known = Set(records.map(\.breakId))
        records += held.filter { !known.contains($0.breakId) }
        return (records, problems)
    }

    /// `read()` for bytes already in hand; `path` only names the file in the sentences.
    public static func parse(_ bytes: [UInt8], path: String) -> (records: [HistoryRecord], problems: [String]) {
        var records: [HistoryRecord] = []
        var positions: [String: Int] = [:]
        var problems: [String] = []
        let decoder = BreatherJSON.decoder()
        for (number, line) in bytes.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            // A blank line (an editor's, or a torn write's newline) is no record and no problem.
            if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            guard let record = try? decoder.decode(HistoryRecord.self, from: Data(line)) else {
                problems.append("\(path):\(number + 1): this line is not a break record, so it was skipped.")
                continue
            }
            if let earlier = positions[record.breakId] {
                records[earlier] = record
            } else {
                positions[record.breakId] = records.count
                records.append(record)
            }
        }
        return (records, problems)
    }
}
