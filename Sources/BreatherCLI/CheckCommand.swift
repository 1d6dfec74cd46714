import ArgumentParser
import BreatherCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration for mistakes.",
        discussion: """
            Reads breather.toml and every plan, and prints each problem as file:line: message. \
            Exits with status 1 when there is any. Works without breatherd and changes nothing.

            Example: breather check
            """
    )

    func run() throws {
        let configuration = ConfigLoader.load(Output.paths)
        let problems = configuration.diagnostics
        guard problems.isEmpty else {
            Output.print(problems.map(\.description).joined(separator: "\n"))
            Output.error("\(TimeInWords.count(problems.count, "problem")) in the configuration; nothing was changed.")
            throw ExitCode.failure
        }
        Output.print(CheckCommand.verdict(configuration))
    }

    /// "The configuration is valid: 2 plans, 1 channel."
    static func verdict(_ configuration: Configuration) -> String {
        let plans = TimeInWords.count(configuration.plans.count, "plan")
        let channels = TimeInWords.count(configuration.settings.channels.count, "channel")
        return "The configuration is valid: \(plans), \(channels)."
    }
}
