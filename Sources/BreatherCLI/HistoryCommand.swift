import ArgumentParser
import BreatherCore
import Foundation

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show past breaks: on time, late, extended.",
        discussion: """
        Lists every finished break with the check-in time promised, when it ended, and \
        whether it was extended, then how many check-ins were on time. Works without \
        breatherd.

        Example: breather history --json
        """
    )

    @Flag(help: "Print a JSON array of the records.")
    var json = false

    func run() throws {
        let file = Output.paths.historyFile
        let data: Data
        if FileManager.default.fileExists(atPath: file) {
            guard let contents = FileManager.default.contents(atPath: file) else {
                Output.error("breather could not read \(file); check that it is a file you may read.")
                throw ExitCode.failure
            }
            data = contents
        } else {
            data = Data()
        }
        let (records, problems) = HistoryText.parse(data, file: file)
        for problem in problems {
            Output.error(problem)
        }
        if json {
            try Output.printJSON(records)
        } else {
            Output.print(HistoryText.render(records, clock: Clock()))
        }
    }
}
