import BreatherCore

/// The engine's last act before the process exits.
extension Engine {
    /// On stop: one more try to save a change the disk refused earlier, so a reminder that
    /// went out is not sent again after the restart. Returns whether the state is on disk.
    func saveBeforeStopping() -> Bool {
        keeper.saveBeforeStopping(machine.state)
    }
}
