import BreatherCore

/// History and journal lines: written once their change is saved, then dropped from the
/// file by a save soon after.
extension Engine {
    func write(_ held: UnwrittenRecords, afterRestart: Bool) {
        records.write(held, afterRestart: afterRestart)
        machine.recordsWritten()
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
            guard keeper.holdsWrittenRecords, !keeper.behind, machine.state.unwritten == nil else { return }
            keeper.keep(machine.state, Transition())
        }
    }
}
