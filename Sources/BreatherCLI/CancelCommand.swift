import ArgumentParser
import BreatherCore

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "End the break without the back message.",
        discussion: """
            Ends the running break without checking in: the reminders still to come are dropped \
            and no back message is sent. Use it when the break is no longer needed.

            Example: breather cancel
            """
    )

    func run() throws {
        try DaemonCall.perform(ControlRequest(op: .cancel))
    }
}
