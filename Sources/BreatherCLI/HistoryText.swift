import BreatherCore
import Foundation

/// Reading `history.jsonl` and its human form for `breather history`.
///
/// ```
/// 2026-11-21  cool-down  promised 14:35  back at 14:32  on time
/// 2026-11-22  pineapple  promised 20:10  back at 20:27  2 minutes late  extended 1×
/// 2026-11-23  cool-down  promised 09:00  ended at 08:50  cancelled
///
/// 1 of 2 check-ins were on time.
/// ```
enum HistoryText {
    /// The records of a history file's bytes, in order, and one sentence for each line that
    /// could not be read. A break written twice (after a crash between the history and the
    /// state) counts once: its last line wins.
    static func parse(_ data: Data, file: String) -> (records: [HistoryRecord], problems: [String]) {
        var records: [HistoryRecord] = []
        var positions: [String: Int] = [:]
        var problems: [String] = []
        let decoder = BreatherJSON.decoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            guard let record = try? decoder.decode(HistoryRecord.self, from: Data(line)) else {
                problems.append("\(file):\(index + 1): this line is not a break record, so it was skipped.")
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

    static func render(_ records: [HistoryRecord], clock: Clock) -> String {
        guard !records.isEmpty else { return "No breaks yet." }
        let width = records.map(\.plan.count).max() ?? 0
        var lines = records.map { line($0, planWidth: width, clock: clock) }
        lines.append("")
        lines.append(summary(records))
        return lines.joined(separator: "\n")
    }

    static func line(_ record: HistoryRecord, planWidth: Int, clock: Clock) -> String {
        var fields = [
            clock.day(record.startedAt),
            record.plan.padding(toLength: planWidth, withPad: " ", startingAt: 0),
            "promised \(clock.time(record.promisedAt))",
        ]
        switch record.outcome {
        case .back:
            fields.append("back at \(clock.time(record.endedAt))")
            fields.append(record.onTime ? "on time" : "\(Clock.length(record.lateSeconds)) late")
        case .cancelled:
            fields.append("ended at \(clock.time(record.endedAt))")
            fields.append("cancelled")
        }
        if record.extensions > 0 {
            fields.append("extended \(record.extensions)×")
        }
        return fields.joined(separator: "  ")
    }

    /// "7 of 8 check-ins were on time.", with the cancelled breaks counted apart.
    static func summary(_ records: [HistoryRecord]) -> String {
        let checkins = records.filter { $0.outcome == .back }
        let onTime = checkins.filter(\.onTime).count
        let cancelled = records.count - checkins.count
        var sentence: String
        switch checkins.count {
        case 0: sentence = "No check-ins yet"
        case 1: sentence = "\(onTime) of 1 check-in was on time"
        default: sentence = "\(onTime) of \(checkins.count) check-ins were on time"
        }
        if cancelled > 0 {
            sentence += cancelled == 1 ? "; 1 break was cancelled" : "; \(cancelled) breaks were cancelled"
        }
        return sentence + "."
    }
}
