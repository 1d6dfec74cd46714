import ArgumentParser
import BreatherCore

struct PlansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "List the plans, each valid or with its errors.",
        discussion: """
            Lists every plan file with its duration, code word and description, or the \
            problems that keep it from being used. Works without breatherd.

            Example: breather plans --json
            """
    )

    @Flag(help: "Print a JSON array, one object per plan file.")
    var json = false

    func run() throws {
        let paths = Output.paths
        let configuration = ConfigLoader.load(paths)
        if json {
            try Output.printJSON(configuration.planFiles.map(PlanSummary.init))
        } else {
            Output.print(PlansText.render(configuration, plansDirectory: paths.plansDirectory))
        }
    }
}
