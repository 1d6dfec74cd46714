import ArgumentParser
import BreatherCore
import Foundation
import Glibc

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up Breather: your names, how your partner hears from it, a first plan.",
        discussion: """
            Asks for your name, your partner's name and how your partner should hear from \
            Breather (ntfy, matrix, telegram, slack, discord, gotify, json, or none); on ntfy, \
            optionally a second topic for your partner's answers, on Matrix their user id; then \
            optionally how you hear your own reminders away from the computer (ntfy or matrix on \
            your phone). It writes breather.toml and the example plans, which offer your partner \
            a few kind answers, into the config folder, checks them, and says what to do next. A URL that holds a key, and any token, go into private \
            files under secrets/. It never overwrites a file. Flags answer the questions ahead; \
            when the input is not a terminal, every answer must come from a flag.

            Example: breather init
            Example: breather init --me Sam --partner Alex --channel ntfy --url https://ntfy.sh/sam-and-alex-4821
            """
    )

    @Option(help: ArgumentHelp("Your name, as your partner reads it in messages.", valueName: "name"))
    var me: String?

    @Option(help: ArgumentHelp("Your partner's name.", valueName: "name"))
    var partner: String?

    @Option(
        help: ArgumentHelp(
            "How your partner hears from Breather: ntfy, matrix, telegram, slack, discord, gotify, json or none.",
            valueName: "preset"),
        completion: .list(InitSetup.Reach.choices)
    )
    var channel: String?

    @Option(help: ArgumentHelp("The webhook's URL (for every channel but none).", valueName: "url"))
    var url: String?

    @Option(
        help: ArgumentHelp(
            "The access token (matrix and gotify need one; ntfy and json may). The question keeps it out of your shell's history.",
            valueName: "token"))
    var token: String?

    @Option(
        help: ArgumentHelp(
            "ntfy: a second topic, where your partner's answer buttons publish and breatherd reads them.",
            valueName: "url"))
    var answersUrl: String?

    @Option(
        help: ArgumentHelp(
            "ntfy: a token that may only publish to the answers topic; it travels inside each button.",
            valueName: "token"))
    var answersToken: String?

    @Option(
        help: ArgumentHelp(
            "matrix: your partner's user id (like @alex:example.org); their replies and reactions reach you.",
            valueName: "id"))
    var partnerUserId: String?

    @Option(
        help: ArgumentHelp(
            "How you hear your own reminders away from this computer: ntfy, matrix or none.", valueName: "preset"),
        completion: .list(InitSetup.phoneChoices)
    )
    var phone: String?

    @Option(help: ArgumentHelp("Your own phone's ntfy topic URL or Matrix room address.", valueName: "url"))
    var phoneUrl: String?

    @Option(
        help: ArgumentHelp("The access token for your phone's channel (matrix needs one).", valueName: "token"))
    var phoneToken: String?

    func validate() throws {
        if let phone, !InitSetup.phoneChoices.contains(phone.lowercased()) {
            throw ValidationError("--phone takes one of ntfy, matrix or none, not \"\(phone)\".")
        }
        if let channel, InitSetup.Reach(channel) == nil {
            throw ValidationError(
                "--channel takes one of \(InitSetup.Reach.choices.joined(separator: ", ")), not \"\(channel)\".")
        }
    }

    func run() throws {
        let given = InitSetup.Answers(
            me: me, partner: partner, reach: channel.flatMap(InitSetup.Reach.init), url: url, token: token,
            answersURL: answersUrl, answersToken: answersToken, partnerUserID: partnerUserId,
            phone: phone.flatMap(InitSetup.Reach.init), phoneURL: phoneUrl, phoneToken: phoneToken)
        let paths = Output.paths
        do {
            if FileManager.default.fileExists(atPath: paths.settingsFile) {
                throw InitFailure(
                    "\(paths.settingsFile) already exists, so breather init changed nothing; edit that file, or move it aside and run breather init again."
                )
            }
            let interactive = isatty(STDIN_FILENO) == 1
            if interactive {
                Output.print("Let's set up Breather. Every answer can be changed later in \(paths.settingsFile).")
            }
            let setup = try InitSetup.gather(given, prompter: interactive ? Terminal.prompter : nil)
            let outcome = try setup.install(paths)
            Output.print(InitCommand.report(setup, outcome, directory: paths.configDirectory))
        } catch let failure as InitFailure {
            Output.error(failure.message)
            throw ExitCode.failure
        }
    }

    /// What was written and the next step.
    static func report(_ setup: InitSetup, _ outcome: InitSetup.Outcome, directory: String) -> String {
        var lines = ["Breather is set up in \(directory):"]
        let rows =
            outcome.written.map { ($0, describe($0, setup)) }
            + outcome.kept.map { ($0, "already there, so it was left as it was") }
        let width = rows.map(\.0.count).max() ?? 0
        for (path, what) in rows {
            lines.append("  \(path.padding(toLength: width, withPad: " ", startingAt: 0))  \(what)")
        }
        lines.append(
            "Read the plan with \(setup.partner) on a calm day, and change any words that don't sound like the two of you."
        )
        if setup.reach == .none {
            lines.append(
                "Next: `breather check`, then `breather start` when you need a break; Breather reminds you, and you tell \(setup.partner) yourself."
            )
        } else {
            lines.append("Next: `breather test \(setup.channel)`, then `breather start` when you need a break.")
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ path: String, _ setup: InitSetup) -> String {
        if path == "breather.toml" {
            if setup.reach == .none { return "your names; no channel reaches \(setup.partner)" }
            return setup.readsAnswers
                ? "your names, how \(setup.partner) hears from Breather, and how their answers come back"
                : "your names, and how \(setup.partner) hears from Breather"
        }
        switch path {
        case "plans/cool-down.toml": return "a 30-minute break with the code word pineapple"
        case "plans/long-walk.toml": return "a walk of an hour and a half, code word lighthouse"
        case "plans/short-pause.toml": return "a 10-minute pause, code word teapot"
        default: break
        }
        if path == setup.urlFile { return "the webhook's address, readable only by you" }
        if path == setup.answersTokenFile { return "the token inside the answer buttons, readable only by you" }
        return "the token, readable only by you"
    }
}

/// The terminal's settings while a token is typed without echo, for the SIGINT handler.
nonisolated(unsafe) private var savedTerminal = termios()

/// Questions on the terminal: one line of input each, the token's without echo.
enum Terminal {
    static var prompter: InitSetup.Prompter {
        InitSetup.Prompter(
            ask: { question, secret in
                try? FileHandle.standardOutput.write(contentsOf: Data((question + " ").utf8))
                guard secret else { return readLine(strippingNewline: true) }
                var saved = termios()
                let quiet = tcgetattr(STDIN_FILENO, &saved) == 0
                if quiet {
                    var silent = saved
                    silent.c_lflag &= ~tcflag_t(ECHO)
                    // Ctrl-C while the echo is off must not leave the terminal silent.
                    savedTerminal = saved
                    signal(SIGINT) { _ in
                        tcsetattr(STDIN_FILENO, TCSANOW, &savedTerminal)
                        _exit(130)
                    }
                    tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
                }
                let line = readLine(strippingNewline: true)
                if quiet {
                    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                    signal(SIGINT, SIG_DFL)
                    try? FileHandle.standardOutput.write(contentsOf: Data("\n".utf8))
                }
                return line
            },
            tell: { sentence in Output.print(sentence) }
        )
    }
}
