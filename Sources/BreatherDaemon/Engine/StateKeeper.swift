import BreatherCore
import Dispatch
import Logging

/// The one writer of `state.json` for the engine, and what it knows of the file: whether
/// the last change is on disk (`behind`), and whether the file still holds records that are
/// written by now. Used on the engine's queue only.
final class StateKeeper {
    private let store: StateStore
    private let logger: Logger
    private let queue: DispatchQueue
    /// A save failed outside a command (a tick, a result): the next change saves again.
    private(set) var behind = false
    /// The file holds records that are written by now: a restart would write them again.
    private(set) var holdsWrittenRecords = false

    init(path: String, logger: Logger, queue: DispatchQueue) {
        self.store = StateStore(path: path)
        self.logger = logger
        self.queue = queue
    }

    /// Saves `state`; throws while the old file is still in force.
    func save(_ state: BreatherState, _ transition: Transition = Transition()) throws(FileError) {
        dispatchPrecondition(condition: .onQueue(queue))
        let problem = try store.save(state)
        behind = false
        holdsWrittenRecords = false
        if let problem {
            logger.warning(
                "The state is saved, but its folder could not be flushed to disk, so a power cut now could still lose the change: \(problem.description)",
                metadata: ["event": "state"])
        }
        #if BREATHER_TEST_HOOKS
            TestHooks.afterSave(transition.records)
        #endif
    }

    /// Saves a change that time or a receiver caused; a failure is logged once and the change
    /// is kept in memory, to be saved with the next one.
    func keep(_ state: BreatherState, _ transition: Transition) {
        let wasBehind = behind
        do {
            try save(state, transition)
            if wasBehind { logger.notice("The state is saved again.") }
        } catch {
            if !wasBehind {
                logger.error(
                    "Could not save the state; it is kept in memory and saving is tried again: \(error.description)")
            }
            behind = true
        }
    }

    /// The records the file holds have been written.
    func recordsWritten() {
        holdsWrittenRecords = true
    }

    /// On stop: one more try when the last change is not on disk. Returns whether it is.
    func saveBeforeStopping(_ state: BreatherState) -> Bool {
        guard behind else { return true }
        do {
            try save(state)
            return true
        } catch {
            logger.error("Could not save the state before stopping: \(error.description)", metadata: ["event": "stop"])
            return false
        }
    }
}
