import ArgumentParser
import BreatherCore

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the configuration.",
        discussion: """
            Asks breatherd to read breather.toml and the plans again. A running break keeps the \
            plan it started with. Sending SIGHUP to breatherd does the same.

            Example: breather reload
            """
    )

    func run() throws {
        try DaemonCall.perform(ControlRequest(op: .reload))
    }
}
