import ArgumentParser
import Foundation

/// `breather`: the command-line client of breatherd.
public struct BreatherCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "breather",
        abstract: "Keep the check-in you promised when you step away from an argument.",
        discussion: """
            Breather starts an agreed break, tells your partner at once, reminds you before the \
            time you promised to come back, and tells your partner when you are back. The daemon, \
            breatherd, keeps the times; these commands talk to it. `check`, `plans` and `history` \
            read the files themselves and work without it.

            Example: breather start pineapple --for 45m
            """,
        subcommands: [
            StartCommand.self,
            BackCommand.self,
            ExtendCommand.self,
            CancelCommand.self,
            StatusCommand.self,
            PlansCommand.self,
            CheckCommand.self,
            HistoryCommand.self,
            TestCommand.self,
            ReloadCommand.self,
            DoctorCommand.self,
            InitCommand.self,
        ],
        defaultSubcommand: StatusCommand.self
    )

    public init() {}

    /// Runs the command line, with one change to the parser's usual way: a command line it
    /// cannot accept is reported in one sentence on stderr (exit status 64), without the
    /// usage block, as every other failure of breather is.
    public static func main(_ arguments: [String]? = nil) {
        let words = arguments ?? Array(CommandLine.arguments.dropFirst())
        if words == [ManualPage.option] {
            ManualPage.printPage()
            return
        }
        // The command typed most, often many times a minute (a prompt, a status bar): it
        // skips the parser, whose first run looks protocols up across the whole binary and
        // costs a few milliseconds of a round trip that should feel instant.
        if let json = StatusCommand.plainRequest(words) {
            do {
                try StatusCommand.show(json: json)
            } catch {
                exit(withError: error)
            }
            return
        }
        do {
            var command = try parseAsRoot(words)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Help, an explicit ExitCode from a command, or a clean exit: the parser knows best.
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            Output.error(usageSentence(for: error, words: words))
            exit(withError: ExitCode(code.rawValue))
        }
    }

    /// The parser's message as one line, ending in a pointer to the right help when it is
    /// not already a whole sentence.
    static func usageSentence(for error: any Error, words: [String]) -> String {
        let message = self.message(for: error)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        if message.hasSuffix(".") || message.hasSuffix("?") { return message }
        let names = configuration.subcommands.map { $0._commandName }
        let help =
            words.first.flatMap { word in names.first { $0 == word } }.map { "breather \($0) --help" }
            ?? "breather --help"
        return "\(message); `\(help)` shows what it accepts."
    }
}
