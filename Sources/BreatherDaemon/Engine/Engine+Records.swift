import BreatherCore

/// History and journal lines: written once their change is saved, then dropped from the
/// file by a save soon after.
extension Engine {
    /// Writes what the state holds; a history line that cannot be written stays held and is
    /// tried again with the next change (or at the next start).
    func writeHeldRecords(afterRestart: Bool) {
        guard let held = machine.state.unwritten else { return }
        let failed = records.write(held, afterRestart: afterRestart)
        machine.recordsWritten(except: failed)
        keeper.recordsWritten()
        settleSoon()
    }

    /// The file still holds records that are now written: a save soon after drops them, so a
    /// restart does not write them again. Until then a kill leaves them to be written twice,
    /// which is better than lost.
    private func settleSoon() {
        guard !settleQueued else { return }
        settleQueued = true
        run { [self] in
            settleQueued = false
            guard keeper.holdsWrittenRecords, !keeper.behind else { return }
            keeper.keep(machine.state, Transition())
        }
    }
}
