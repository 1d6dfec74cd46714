import ArgumentParser
import BreatherCore

struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a break.",
        discussion: """
            Starts a break from a plan, named by its file name or its code word; without one, \
            from default_plan in breather.toml. Your partner is told at once, and you are \
            reminded before the check-in time you promised.

            Example: breather start pineapple --for 45m
            """
    )

    @Argument(
        help: ArgumentHelp("The plan's name or code word (default: default_plan).", valueName: "plan-or-code-word"),
        completion: Completions.plansAndCodeWords
    )
    var plan: String?

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp(
            "How long until the check-in, instead of the plan's duration (like 45m or 1h30m).", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("A few words for the messages ({note} in the plan).", valueName: "text"))
    var note: String?

    func validate() throws {
        if let duration, Span(duration: duration) == nil {
            throw ValidationError("--for needs a duration like 45m, 1h or 1h30m, not \"\(duration)\".")
        }
    }

    func run() throws {
        try DaemonCall.perform(ControlRequest(op: .start, plan: plan, for: duration, note: note))
    }
}
