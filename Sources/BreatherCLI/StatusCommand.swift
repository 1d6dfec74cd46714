import ArgumentParser
import BreatherCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running break, the time left and the reminders to come.",
        discussion: """
            Shows the running break: its plan, the check-in time and how far away it is, the \
            reminders still to come, and any message waiting to be sent again. With --json, \
            prints one JSON object instead. With --watch, counts down to the check-in, with \
            a progress bar and the next reminder, until the break ends; piped, it prints one \
            line whenever something changes. `breather` alone shows the status.

            Example: breather status --watch
            Example: breather status --json
            """
    )

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: "Count down to the check-in until the break ends (Ctrl-C stops watching).")
    var watch = false

    /// `breather`, `breather status` and `breather status --json`, recognised without the
    /// parser: whether JSON is asked for; nil for anything else (which the parser then
    /// handles, help and errors included).
    static func plainRequest(_ words: [String]) -> Bool? {
        switch words {
        case [], ["status"]: return false
        case ["status", "--json"]: return true
        default: return nil
        }
    }

    func validate() throws {
        if json, watch {
            throw ValidationError("--json and --watch do not go together; choose one.")
        }
    }

    func run() throws {
        if watch {
            try StatusWatch().run()
            return
        }
        try Self.show(json: json)
    }

    /// `ControlRequest(op: .status)` as `BreatherJSON` writes it (a test holds the two
    /// together): the encoder's first run looks protocols up across the whole binary, a
    /// cost every `breather status` would pay for the same 22 bytes.
    static let requestJSON = #"{"op":"status","v":1}"#

    /// One look at the running break, as text or JSON.
    static func show(json: Bool) throws {
        let response = try DaemonCall.ask(json: requestJSON, operation: .status)
        guard response.ok else {
            try DaemonCall.report(response)
            return
        }
        guard let report = response.status else {
            Output.error("breatherd answered without a status; the two may be different versions.")
            throw ExitCode.failure
        }
        if json {
            try Output.printJSON(report)
        } else {
            Output.print(StatusText.render(report, clock: .local()))
        }
    }
}
