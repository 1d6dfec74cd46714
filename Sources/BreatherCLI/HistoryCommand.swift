import ArgumentParser
import BreatherCore
import Foundation

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show past breaks: on time, late, extended.",
        discussion: """
            Lists every finished break: the day, the plan, when it started, the check-in \
            time promised, when you were back, and whether that was on time, how late, or \
            after an extension. Under the table, a chart shows the breaks of each week and \
            how many ended with a check-in on time, then the totals. Times are in your time \
            zone, written the way your locale writes them. Works without breatherd.

            Example: breather history
            Example: breather history --json
            """
    )

    @Flag(help: "Print a JSON array of the records, for scripts.")
    var json = false

    func run() throws {
        let file = Output.paths.historyFile
        let records: [HistoryRecord]
        let problems: [String]
        do {
            (records, problems) = try HistoryFile(path: file).read(includingHeldIn: Output.paths.stateFile)
        } catch {
            Output.error("breather could not read \(file); check that it is a file you may read.")
            throw ExitCode.failure
        }
        for problem in problems {
            Output.error(problem)
        }
        if json {
            try Output.printJSON(records)
        } else {
            Output.print(HistoryText.render(records, clock: .local()))
        }
    }
}
