import ArgumentParser
import Testing

@testable import BreatherCLI

@Suite struct ParsingTests {
    @Test func bareStartUsesTheDefaultPlan() throws {
        let command = try #require(try BreatherCommand.parseAsRoot(["start"]) as? StartCommand)
        #expect(command.plan == nil)
        #expect(command.duration == nil)
        #expect(command.note == nil)
    }

    @Test func startWithEverything() throws {
        let command = try #require(
            try BreatherCommand.parseAsRoot(["start", "pineapple", "--for", "45m", "--note", "a walk"]) as? StartCommand
        )
        #expect(command.plan == "pineapple")
        #expect(command.duration == "45m")
        #expect(command.note == "a walk")
    }

    @Test(arguments: ["45", "4x", "0m", "1m1h", "soon", ""])
    func badForDurationIsRefused(text: String) {
        #expect(message(["start", "--for", text]) == "--for needs a duration like 45m, 1h or 1h30m, not \"\(text)\".")
    }

    @Test func extendTakesADuration() throws {
        let command = try #require(try BreatherCommand.parseAsRoot(["extend", "1h30m"]) as? ExtendCommand)
        #expect(command.duration == "1h30m")
    }

    @Test(arguments: ["soon", "15", "+15m", "0s"])
    func badExtendDurationIsRefused(text: String) {
        #expect(message(["extend", text]) == "extend needs a duration like 15m, 1h or 1h30m, not \"\(text)\".")
    }

    @Test func testNeedsAChannel() throws {
        let command = try #require(try BreatherCommand.parseAsRoot(["test", "alex"]) as? TestCommand)
        #expect(command.channel == "alex")
        #expect(throws: (any Error).self) { try BreatherCommand.parseAsRoot(["test"]) }
    }

    @Test func jsonFlags() throws {
        #expect(try #require(try BreatherCommand.parseAsRoot(["status", "--json"]) as? StatusCommand).json)
        #expect(try #require(try BreatherCommand.parseAsRoot(["status"]) as? StatusCommand).json == false)
        #expect(try #require(try BreatherCommand.parseAsRoot(["plans", "--json"]) as? PlansCommand).json)
        #expect(try #require(try BreatherCommand.parseAsRoot(["history", "--json"]) as? HistoryCommand).json)
    }

    @Test func bareBreatherShowsTheStatus() throws {
        let command = try #require(try BreatherCommand.parseAsRoot([]) as? StatusCommand)
        #expect(command.json == false && command.watch == false)
        #expect(try #require(try BreatherCommand.parseAsRoot(["--watch"]) as? StatusCommand).watch)
        #expect(try #require(try BreatherCommand.parseAsRoot(["status", "--watch"]) as? StatusCommand).watch)
        #expect(message(["status", "--watch", "--json"]) == "--json and --watch do not go together; choose one.")
    }

    @Test func initFlags() throws {
        let command = try #require(
            try BreatherCommand.parseAsRoot([
                "init", "--me", "Sam", "--partner", "Alex", "--channel", "ntfy", "--url", "https://ntfy.sh/x",
            ]) as? InitCommand)
        #expect(
            command.me == "Sam" && command.partner == "Alex" && command.channel == "ntfy"
                && command.url == "https://ntfy.sh/x")
        #expect(
            message(["init", "--channel", "pigeon"])
                == "--channel takes one of ntfy, matrix, telegram, slack, discord, gotify, json, none, not \"pigeon\".")
    }

    /// The sentence the parser prints (after "Error: ") for a refused command line.
    private func message(_ arguments: [String]) -> String? {
        do {
            _ = try BreatherCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return BreatherCommand.message(for: error)
        }
    }
}

/// What `breather` prints on stderr for a command line it cannot accept: one line.
@Suite struct UsageSentenceTests {
    private func sentence(_ words: [String]) -> String? {
        do {
            _ = try BreatherCommand.parseAsRoot(words)
            return nil
        } catch {
            return BreatherCommand.usageSentence(for: error, words: words)
        }
    }

    @Test func ownSentencesStandAlone() {
        #expect(sentence(["extend", "soon"]) == "extend needs a duration like 15m, 1h or 1h30m, not \"soon\".")
    }

    @Test func parserMessagesPointToTheRightHelp() {
        #expect(
            sentence(["extend"])
                == "Missing expected argument '<duration>'; `breather extend --help` shows what it accepts.")
        #expect(
            sentence(["start", "--bogus"]) == "Unknown option '--bogus'; `breather start --help` shows what it accepts."
        )
        #expect(sentence(["frob"]) == "Unexpected argument 'frob'; `breather --help` shows what it accepts.")
    }

    @Test func neverMoreThanOneLine() {
        for words in [["start", "--for"], ["test"], ["status", "--jsn"], ["start", "a", "b"]] {
            let text = sentence(words) ?? ""
            #expect(!text.isEmpty && !text.contains("\n"), "\(words)")
        }
    }
}
