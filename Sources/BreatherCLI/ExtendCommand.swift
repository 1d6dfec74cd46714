import ArgumentParser
import BreatherCore

struct ExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Ask for more time: move the check-in later.",
        discussion: """
            Moves the check-in of the running break later by DURATION. The reminders move with \
            it, and the plan's extend message tells your partner the new time.

            Example: breather extend 15m
            """
    )

    @Argument(help: ArgumentHelp("How much later the check-in moves (like 15m or 1h).", valueName: "duration"))
    var duration: String

    func validate() throws {
        if Span(duration: duration) == nil {
            throw ValidationError("extend needs a duration like 15m, 1h or 1h30m, not \"\(duration)\".")
        }
    }

    func run() throws {
        try DaemonCall.perform(ControlRequest(op: .extend, duration: duration))
    }
}
