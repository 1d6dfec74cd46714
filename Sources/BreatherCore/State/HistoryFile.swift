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
        var records: [HistoryRecord] = []
        var positions: [String: Int] = [:]
        var problems: [String] = []
        let decoder = BreatherJSON.decoder()
        for (number, line) in bytes.split(separator: 10, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                let record = try decoder.decode(HistoryRecord.self, from: Data(line))
                if let earlier = positions[record.breakId] {
                    records[earlier] = record
                } else {
                    positions[record.breakId] = records.count
                    records.append(record)
                }
            } catch {
                problems.append("\(path):\(number + 1): this line is not a history record and was skipped.")
            }
        }
        return (records, problems)
    }
}
