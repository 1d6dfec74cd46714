import ArgumentParser
import BreatherCore

struct BackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "back",
        abstract: "End the break: you are back.",
        discussion: """
            Ends the running break as checked in. The reminders still to come are dropped, and \
            the plan's back message is sent.

            Example: breather back
            """
    )

    func run() throws {
        try DaemonCall.perform(ControlRequest(op: .back))
    }
}
