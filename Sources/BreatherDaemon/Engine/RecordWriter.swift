import BreatherCore
import Logging

/// Writes a change's history and journal lines, once the change is saved.
struct RecordWriter {
    let history: HistoryFile
    let logger: Logger

    /// `afterRestart`: the lines were saved by a run that was killed before writing them; a
    /// journal line may then be there twice, so it says where it comes from.
    /// Returns the history lines that could not be written, for the state to keep.
    func write(_ records: UnwrittenRecords, afterRestart: Bool) -> [HistoryRecord] {
        var failed: [HistoryRecord] = []
        for record in records.history {
            do {
                try history.append(record)
            } catch {
                failed.append(record)
                logger.error(
                    "Could not record the break in the history, so it is kept and tried again: \(error.description)",
                    metadata: ["break_id": .string(record.breakId), "plan": .string(record.plan)]
                )
            }
        }
        for entry in records.journal {
            var metadata = entry.metadata
            if afterRestart { metadata["recorded_after_restart"] = "true" }
            logger.log(
                level: entry.level, "\(entry.message)\(afterRestart ? " (recorded after a restart)" : "")",
                metadata: metadata)
        }
        return failed
    }
}
