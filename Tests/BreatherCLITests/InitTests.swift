import BreatherCore
import Foundation
import Glibc
import Testing

@testable import BreatherCLI

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh config folder for one test.
func scratchPaths() -> Paths {
    let root = NSTemporaryDirectory() + "breather-init-test-\(UUID().uuidString.prefix(8))"
    return Paths(
        configDirectory: root + "/config/breather", stateDirectory: root + "/state/breather", runtimeDirectory: nil)
}

func mode(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
}

/// Answers typed one line at a time, and everything shown.
final class ScriptedPerson: @unchecked Sendable {
    var lines: [String]
    var shown: [String] = []
    var secretQuestions: [String] = []

    init(_ lines: [String]) {
        self.lines = lines
    }

    var prompter: InitSetup.Prompter {
        InitSetup.Prompter(
            ask: { question, secret in
                self.shown.append(question)
                if secret { self.secretQuestions.append(question) }
                return self.lines.isEmpty ? nil : self.lines.removeFirst()
            },
            tell: { self.shown.append($0) }
        )
    }
}

@Suite struct EmbeddedExamplesTests {
    @Test func embeddedTextIsTheFilesInConfig() throws {
        let settings = try String(
            contentsOf: repositoryRoot.appendingPathComponent("config/breather.toml"), encoding: .utf8)
        #expect(
            EmbeddedExamples.settings == settings, "config/breather.toml changed: paste it into EmbeddedExamples.swift")
        for (name, text) in EmbeddedExamples.plans {
            let plan = try String(
                contentsOf: repositoryRoot.appendingPathComponent("config/plans/\(name).toml"), encoding: .utf8)
            #expect(text == plan, "config/plans/\(name).toml changed: paste it into EmbeddedExamples.swift")
        }
        let files = try FileManager.default.contentsOfDirectory(
            atPath: repositoryRoot.appendingPathComponent("config/plans").path)
        #expect(Set(files) == Set(EmbeddedExamples.plans.map { "\($0.name).toml" }))
    }

    /// Every example plan loads without a problem next to the example settings.
    @Test func everyExamplePlanIsValid() throws {
        let paths = scratchPaths()
        try FileManager.default.createDirectory(atPath: paths.plansDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: repositoryRoot.appendingPathComponent("config/breather.toml").path, toPath: paths.settingsFile)
        // A checkout made under umask 002 has group-writable files, which Breather refuses.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: paths.settingsFile)
        let plans = repositoryRoot.appendingPathComponent("config/plans")
        for name in try FileManager.default.contentsOfDirectory(atPath: plans.path) {
            try FileManager.default.copyItem(
                atPath: plans.appendingPathComponent(name).path, toPath: Paths.join(paths.plansDirectory, name))
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o600], ofItemAtPath: Paths.join(paths.plansDirectory, name))
        }
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.map(\.description) == [])
        #expect(configuration.planFiles.count >= 3)
        for plan in configuration.planFiles.compactMap(\.plan) {
            #expect(plan.codeWord != nil, "\(plan.name) has no code word")
            // Two or three kind answers on the announcement, carried back by Alex's channel.
            #expect((2...3).contains(plan.announce?.answers?.count ?? 0), "\(plan.name) offers no answers")
        }
        #expect(configuration.settings.channels["alex"]?.webhook?.answersUrl != nil)
    }

    /// The Matrix channel the example settings show as a comment checks out once its `#`
    /// are taken off in place of the ntfy one.
    @Test func theMatrixChannelInTheCommentIsValid() throws {
        var lines = EmbeddedExamples.settings.components(separatedBy: "\n")
        let live = try #require(lines.firstIndex(of: "[channels.alex]"))
        let commented = try #require(lines.firstIndex(of: "# [channels.alex]"))
        var end = commented
        while end < lines.count, lines[end].hasPrefix("# ") {
            lines[end].removeFirst(2)
            end += 1
        }
        var start = live
        while !lines[start].isEmpty { start += 1 }
        lines.removeSubrange(live..<start)
        let paths = scratchPaths()
        try FileManager.default.createDirectory(atPath: paths.plansDirectory, withIntermediateDirectories: true)
        let files =
            [(paths.settingsFile, lines.joined(separator: "\n"))]
            + EmbeddedExamples.plans.map { (Paths.join(paths.plansDirectory, "\($0.name).toml"), $0.text) }
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.map(\.description) == [])
        let alex = try #require(configuration.settings.channels["alex"]?.webhook)
        #expect(alex.preset == .matrix)
        #expect(alex.partnerUserId == "@alex:example.org")
    }
}

@Suite struct InitTests {
    @Test func throughItsPrompts() throws {
        let person = ScriptedPerson([
            "", "Sam", "Alex", "carrier pigeon", "ntfy", "ntfy.sh/no-scheme", "https://ntfy.sh/sam-and-alex-4821", "",
            "https://ntfy.sh/sam-and-alex-4821", "https://ntfy.sh/sam-and-alex-4821-answers",
            "telegram", "ntfy", "https://ntfy.sh/sam-reminders-4821", "",
        ])
        let setup = try InitSetup.gather(InitSetup.Answers(), prompter: person.prompter)
        #expect(setup.me == "Sam")
        #expect(setup.partner == "Alex")
        #expect(setup.reach == .webhook(.ntfy))
        #expect(setup.url == "https://ntfy.sh/sam-and-alex-4821")
        #expect(setup.token == nil)
        #expect(person.lines.isEmpty)
        #expect(
            person.shown == [
                "Your name, as your partner will read it in messages:",
                "Please type a name.",
                "Your name, as your partner will read it in messages:",
                "Your partner's name:",
                "How should Alex hear from Breather? Type one of ntfy, matrix, telegram, slack, discord, gotify, json, none (none: you tell them yourself):",
                "Please type one of ntfy, matrix, telegram, slack, discord, gotify, json, none.",
                "How should Alex hear from Breather? Type one of ntfy, matrix, telegram, slack, discord, gotify, json, none (none: you tell them yourself):",
                "The ntfy topic URL Alex subscribes to (like https://ntfy.sh/sam-and-alex-4821):",
                "That is not a web address; it should look like https://ntfy.sh/sam-and-alex-4821.",
                "The ntfy topic URL Alex subscribes to (like https://ntfy.sh/sam-and-alex-4821):",
                "An ntfy access token, if your server needs one (press Enter for none):",
                "Alex can answer your announcement with one tap. A second ntfy topic for those answers (like https://ntfy.sh/sam-and-alex-4821-answers; press Enter to skip):",
                "That is the topic Alex already subscribes to; answers need a second one, like https://ntfy.sh/sam-and-alex-4821-answers.",
                "Alex can answer your announcement with one tap. A second ntfy topic for those answers (like https://ntfy.sh/sam-and-alex-4821-answers; press Enter to skip):",
                "How do you hear your own reminders away from this computer? Type ntfy or matrix for a topic or room on your phone, or press Enter for none:",
                "Please type ntfy or matrix, or press Enter for none.",
                "How do you hear your own reminders away from this computer? Type ntfy or matrix for a topic or room on your phone, or press Enter for none:",
                "The ntfy topic URL your own phone subscribes to (not your partner's; like https://ntfy.sh/sam-reminders-4821):",
                "An ntfy access token, if your server needs one (press Enter for none):",
            ])
        #expect(person.secretQuestions.count == 2)

        let paths = scratchPaths()
        let outcome = try setup.install(paths)
        #expect(outcome.written == ["breather.toml"] + Self.plans)
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.isEmpty)
        #expect(configuration.settings.channels["alex"]?.webhook?.url == "https://ntfy.sh/sam-and-alex-4821")
        #expect(configuration.settings.channels["alex"]?.webhook?.preset == .ntfy)
        #expect(
            configuration.settings.channels["alex"]?.webhook?.answersUrl == "https://ntfy.sh/sam-and-alex-4821-answers")
        // Without a token for the channel, the server wants none: no token is asked for the buttons.
        #expect(configuration.settings.channels["alex"]?.webhook?.answersTokenFile == nil)
        // Every plan offers Alex a few answers on its announcement.
        #expect(configuration.plans.values.allSatisfy { ($0.announce?.answers?.count ?? 0) >= 2 })
        // Your own phone: its server holds your reminders, which every example plan sends there.
        #expect(configuration.settings.channels["phone"]?.webhook?.holdOnServer == true)
        #expect(configuration.settings.channels["phone"]?.webhook?.url == "https://ntfy.sh/sam-reminders-4821")
        let walk = try #require(configuration.plans["long-walk"])
        #expect(walk.reminders.filter { $0.offset.seconds <= 0 }.allSatisfy { $0.to == ["desktop", "phone"] })
        #expect(CheckCommand.awayNote(configuration) == nil)
        #expect(CheckCommand.answersNotes(configuration).isEmpty)
    }

    static let plans = ["plans/cool-down.toml", "plans/long-walk.toml", "plans/short-pause.toml"]

    @Test func withoutAPhoneRemindersStayOnTheDesktopAndCheckSaysSo() throws {
        let setup = try InitSetup.gather(
            .init(me: "Sam", partner: "Alex", reach: .webhook(.json), url: "https://hooks.example.org/x"), prompter: nil
        )
        let paths = scratchPaths()
        _ = try setup.install(paths)
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.isEmpty)
        #expect(configuration.settings.channels["phone"] == nil)
        #expect(configuration.plans.values.flatMap(\.reminders).allSatisfy { !$0.to.contains("phone") })
        #expect(
            CheckCommand.awayNote(configuration)?.hasPrefix("Note: your reminders reach only this computer") == true)
        // A json partner channel cannot bring answers back: check says so of each plan, once.
        #expect(CheckCommand.answersNotes(configuration).count == 3)
        #expect(
            CheckCommand.answersNotes(configuration).allSatisfy { $0.contains("none of its channels brings them back") }
        )
    }

    @Test func examplePlansStillAsInstalledAreFittedToTheAnswers() throws {
        let paths = scratchPaths()
        try FileManager.default.createDirectory(atPath: paths.plansDirectory, withIntermediateDirectories: true)
        let walk = Paths.join(paths.plansDirectory, "long-walk.toml")
        let pause = Paths.join(paths.plansDirectory, "short-pause.toml")
        try Data(EmbeddedExamples.longWalkPlan.utf8).write(to: URL(fileURLWithPath: walk))
        try Data(("# ours\n" + EmbeddedExamples.shortPausePlan).utf8).write(to: URL(fileURLWithPath: pause))
        let setup = try InitSetup.gather(
            .init(
                me: "Sam", partner: "Jo", reach: .webhook(.ntfy), url: "https://ntfy.sh/jo", phone: InitSetup.Reach.none
            ),
            prompter: nil)
        let outcome = try setup.install(paths)
        #expect(outcome.written.contains("plans/long-walk.toml"))
        #expect(outcome.kept == ["plans/short-pause.toml"])
        #expect(try String(contentsOfFile: walk, encoding: .utf8).contains("to = [\"jo\"]"))
        #expect(try String(contentsOfFile: pause, encoding: .utf8).hasPrefix("# ours"))
    }

    @Test func flagsAnswerAheadAndPromptsAskTheRest() throws {
        let person = ScriptedPerson([
            "https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org", "syt_secret", "alex",
            "@alex:example.org",
        ])
        let setup = try InitSetup.gather(
            .init(me: "Sam", partner: "Alex", reach: .webhook(.matrix), phone: InitSetup.Reach.none),
            prompter: person.prompter)
        #expect(
            Array(person.shown.dropFirst(2)) == [
                "Alex's Matrix user id, so their replies and reactions reach you (like @alex:example.org; press Enter to skip):",
                "A Matrix user id looks like @alex:example.org.",
                "Alex's Matrix user id, so their replies and reactions reach you (like @alex:example.org; press Enter to skip):",
            ])
        #expect(setup.token == "syt_secret")
        #expect(setup.partnerUserID == "@alex:example.org")

        let paths = scratchPaths()
        _ = try setup.install(paths)
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.isEmpty)
        #expect(configuration.settings.channels["alex"]?.webhook?.partnerUserId == "@alex:example.org")
    }

    @Test func answersTopicAndItsWriteOnlyTokenFromFlags() throws {
        let setup = try InitSetup.gather(
            .init(
                me: "Sam", partner: "Alex", reach: .webhook(.ntfy), url: "https://ntfy.example.org/sam-and-alex",
                token: "tk_read", answersURL: "https://ntfy.example.org/sam-and-alex-answers", answersToken: "tk_write"),
            prompter: nil)
        let paths = scratchPaths()
        let outcome = try setup.install(paths)
        #expect(
            outcome.written == ["breather.toml"] + Self.plans + ["secrets/alex-token", "secrets/alex-answers-token"])
        let secret = Paths.join(paths.configDirectory, "secrets/alex-answers-token")
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "tk_write\n")
        #expect(mode(secret) == 0o600)
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.isEmpty)
        let alex = try #require(configuration.settings.channels["alex"]?.webhook)
        #expect(alex.answersUrl == "https://ntfy.example.org/sam-and-alex-answers")
        #expect(alex.answersTokenFile == secret)
        let settings = try String(contentsOfFile: paths.settingsFile, encoding: .utf8)
        #expect(!settings.contains("tk_write"))
        #expect(
            InitCommand.report(setup, outcome, directory: "/c").contains(
                "secrets/alex-answers-token  the token inside the answer buttons, readable only by you"))
    }

    /// Where the server wants a token, the buttons' own token is asked too, without echo.
    @Test func answersTokenIsAskedWhereTheServerWantsTokens() throws {
        let person = ScriptedPerson(["https://ntfy.example.org/sam-and-alex-answers", "tk_write"])
        let setup = try InitSetup.gather(
            .init(
                me: "Sam", partner: "Alex", reach: .webhook(.ntfy), url: "https://ntfy.example.org/sam-and-alex",
                token: "tk_read", phone: InitSetup.Reach.none),
            prompter: person.prompter)
        #expect(person.secretQuestions == [InitSetup.answersTokenQuestion])
        #expect(setup.answersToken == "tk_write")
        #expect(setup.answersTokenFile == "secrets/alex-answers-token")
    }

    /// Without an answers topic or a user id, the line waits as a comment, and the plans
    /// still carry the answers the two agreed, ready for when it is filled in.
    @Test func withoutAnAnswersTopicTheLineWaitsAsAComment() throws {
        for (reach, url, line) in [
            (
                Webhook.Preset.ntfy, "https://ntfy.sh/sam-and-alex-4821",
                "# answers_url = \"https://ntfy.sh/sam-and-alex-4821-answers\""
            ),
            (
                .matrix, "https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org",
                "# partner_user_id = \"@alex:example.org\""
            ),
        ] {
            let setup = try InitSetup.gather(
                .init(me: "Sam", partner: "Alex", reach: .webhook(reach), url: url, token: "t"), prompter: nil)
            let paths = scratchPaths()
            _ = try setup.install(paths)
            let settings = try String(contentsOfFile: paths.settingsFile, encoding: .utf8)
            #expect(settings.contains("\n" + line + "\n"), "\(settings)")
            let configuration = ConfigLoader.load(paths)
            #expect(configuration.diagnostics.isEmpty)
            #expect(configuration.settings.channels["alex"]?.webhook?.answersUrl == nil)
            #expect(configuration.settings.channels["alex"]?.webhook?.partnerUserId == nil)
            #expect(configuration.plans["cool-down"]?.agreedAnswers.isEmpty == false)
        }
    }

    @Test(arguments: [
        (
            InitSetup.Answers(
                me: "Sam", partner: "Alex", reach: .webhook(.json), url: "https://hooks.example.org/x",
                answersURL: "https://hooks.example.org/y"),
            "--answers-url works only with --channel ntfy; on Matrix, --partner-user-id lets your partner's replies reach you."
        ),
        (
            InitSetup.Answers(
                me: "Sam", partner: "Alex", reach: .webhook(.ntfy), url: "https://ntfy.sh/x",
                partnerUserID: "@alex:example.org"),
            "--partner-user-id works only with --channel matrix; on ntfy, --answers-url lets your partner answer."
        ),
        (
            InitSetup.Answers(
                me: "Sam", partner: "Alex", reach: .webhook(.ntfy), url: "https://ntfy.sh/x",
                answersURL: "https://ntfy.sh/x"),
            "The --answers-url value cannot be used: that is the topic Alex already subscribes to; answers need a second one, like https://ntfy.sh/x-answers."
        ),
        (
            InitSetup.Answers(
                me: "Sam", partner: "Alex", reach: .webhook(.ntfy), url: "https://ntfy.sh/x", answersToken: "t"),
            "--answers-token goes with --answers-url, the topic your partner's answer buttons publish to."
        ),
        (
            InitSetup.Answers(
                me: "Sam", partner: "Alex", reach: .webhook(.matrix),
                url: "https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org", token: "t",
                partnerUserID: "alex"),
            "The --partner-user-id value cannot be used: a Matrix user id looks like @alex:example.org."
        ),
    ])
    func answerFlagsThatCannotBeUsedAreRefusedInOneSentence(given: InitSetup.Answers, message: String) {
        let error = #expect(throws: InitFailure.self) { try InitSetup.gather(given, prompter: nil) }
        #expect(error?.message == message)
    }

    @Test func answerChecks() {
        let url = "https://ntfy.sh/sam-and-alex"
        #expect(InitSetup.answersExampleURL("https://ntfy.sh/sam-and-alex/") == "https://ntfy.sh/sam-and-alex-answers")
        #expect(
            InitSetup.checkAnswersURL("https://ntfy.sh/sam-and-alex-answers", channelURL: url, partner: "Alex") == nil)
        #expect(InitSetup.checkAnswersURL("https://ntfy.sh/", channelURL: url, partner: "Alex") != nil)
        #expect(InitSetup.checkAnswersURL("https://ntfy.sh", channelURL: url, partner: "Alex") != nil)
        #expect(InitSetup.checkAnswersURL("ntfy.sh/answers", channelURL: url, partner: "Alex") != nil)
        let example = "@alex:example.org"
        #expect(InitSetup.checkMatrixUser("@alex:example.org", example: example) == nil)
        #expect(InitSetup.checkMatrixUser("@alex:matrix.example.org:8448", example: example) == nil)
        for bad in ["alex", "@alex", "@:example.org", "@alex:", "@al ex:example.org", "alex:example.org"] {
            #expect(InitSetup.checkMatrixUser(bad, example: example) != nil, "\(bad)")
        }
    }

    @Test func endOfInputStopsWithoutWriting() {
        let person = ScriptedPerson(["Sam"])
        #expect(throws: InitFailure.stopped) { try InitSetup.gather(.init(), prompter: person.prompter) }
    }

    @Test(arguments: [
        (InitSetup.Answers(), "--me", "Sam"),
        (InitSetup.Answers(me: "Sam"), "--partner", "Alex"),
        (InitSetup.Answers(me: "Sam", partner: "Alex"), "--channel", "ntfy"),
        (
            InitSetup.Answers(me: "Sam", partner: "Alex", reach: .webhook(.slack)), "--url",
            "https://hooks.slack.com/services/T000/B000/XXXX"
        ),
        (
            InitSetup.Answers(me: "Sam", partner: "Alex", reach: .webhook(.gotify), url: "https://gotify.example.org"),
            "--token", "<token>"
        ),
    ])
    func withoutATerminalAMissingFlagIsNamed(given: InitSetup.Answers, flag: String, example: String) {
        let error = #expect(throws: InitFailure.self) { try InitSetup.gather(given, prompter: nil) }
        #expect(
            error?.message
                == "breather init needs \(flag) when its input is not a terminal; pass it, like \(flag) \(example).")
    }

    @Test func optionalTokenIsNotNeededFromFlags() throws {
        let setup = try InitSetup.gather(
            .init(me: "Sam", partner: "Alex", reach: .webhook(.ntfy), url: "https://ntfy.sh/x"), prompter: nil)
        #expect(setup.token == nil)
    }

    @Test func badFlagValuesAreRefusedInOneSentence() {
        let error = #expect(throws: InitFailure.self) {
            try InitSetup.gather(
                .init(
                    me: "Sam", partner: "Alex", reach: .webhook(.telegram), url: "https://api.telegram.org/botX/getMe"),
                prompter: nil)
        }
        #expect(
            error?.message
                == "The --url value cannot be used: a Telegram URL should look like https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<CHAT>."
        )
    }

    @Test func keyedURLsAndTokensGoToPrivateFiles() throws {
        let paths = scratchPaths()
        let url = "https://api.telegram.org/bot123:abc/sendMessage?chat_id=42"
        let setup = try InitSetup.gather(
            .init(me: "Sam", partner: "Mary Jo \"MJ\"", reach: .webhook(.telegram), url: url), prompter: nil)
        #expect(setup.channel == "mary-jo-mj")
        let outcome = try setup.install(paths)
        #expect(outcome.written == ["breather.toml"] + Self.plans + ["secrets/mary-jo-mj-url"])
        let secret = Paths.join(paths.configDirectory, "secrets/mary-jo-mj-url")
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == url + "\n")
        #expect(mode(secret) == 0o600)
        #expect(mode(paths.settingsFile) == 0o600)
        #expect(mode(Paths.join(paths.plansDirectory, "cool-down.toml")) == 0o600)
        #expect(mode(paths.configDirectory) == 0o700)
        #expect(mode(paths.plansDirectory) == 0o700)
        #expect(mode(Paths.join(paths.configDirectory, "secrets")) == 0o700)
        let settings = try String(contentsOfFile: paths.settingsFile, encoding: .utf8)
        #expect(!settings.contains("bot123"))
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.isEmpty)
        #expect(configuration.settings.partner == "Mary Jo \"MJ\"")
        #expect(configuration.settings.channels["mary-jo-mj"]?.webhook?.urlFile == secret)
        #expect(configuration.plans["cool-down"]?.announce?.to == ["mary-jo-mj"])

        let gotify = try InitSetup.gather(
            .init(
                me: "Sam", partner: "Alex", reach: .webhook(.gotify), url: "https://gotify.example.org", token: "AbC"),
            prompter: nil)
        let other = scratchPaths()
        _ = try gotify.install(other)
        #expect(
            ConfigLoader.load(other).settings.channels["alex"]?.webhook?.tokenFile
                == Paths.join(other.configDirectory, "secrets/alex-token"))
        #expect(mode(Paths.join(other.configDirectory, "secrets/alex-token")) == 0o600)
    }

    @Test func withoutAChannelThePartnersMessagesStayAsComments() throws {
        let paths = scratchPaths()
        let setup = try InitSetup.gather(.init(me: "Sam", partner: "Alex", reach: InitSetup.Reach.none), prompter: nil)
        _ = try setup.install(paths)
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.diagnostics.isEmpty)
        let plan = try #require(configuration.plans["cool-down"])
        #expect(plan.announce == nil)
        #expect(plan.reminders.count == 2)
        #expect(Set(configuration.settings.channels.keys) == ["desktop"])
        #expect(
            try String(contentsOfFile: Paths.join(paths.plansDirectory, "cool-down.toml"), encoding: .utf8).contains(
                "# [announce]"))
    }

    @Test func neverOverwrites() throws {
        let paths = scratchPaths()
        let setup = try InitSetup.gather(.init(me: "Sam", partner: "Alex", reach: InitSetup.Reach.none), prompter: nil)
        try FileManager.default.createDirectory(atPath: paths.plansDirectory, withIntermediateDirectories: true)
        try Data("description = \"ours\"\nduration = \"20m\"\n".utf8).write(
            to: URL(fileURLWithPath: Paths.join(paths.plansDirectory, "cool-down.toml")))
        let outcome = try setup.install(paths)
        #expect(outcome.written == ["breather.toml", "plans/long-walk.toml", "plans/short-pause.toml"])
        #expect(outcome.kept == ["plans/cool-down.toml"])
        #expect(ConfigLoader.load(paths).plans["cool-down"]?.description == "ours")

        let again = #expect(throws: InitFailure.self) { try setup.install(paths) }
        #expect(
            again?.message
                == "\(paths.settingsFile) already exists, so breather init changed nothing; edit that file, or move it aside and run breather init again."
        )
    }

    @Test func reportSaysWhatIsNext() {
        let setup = InitSetup(
            me: "Sam", partner: "Alex", reach: .webhook(.slack), url: "https://hooks.slack.com/services/T/B/X")
        let text = InitCommand.report(
            setup, .init(written: ["breather.toml", "plans/cool-down.toml", "secrets/alex-url"], kept: []),
            directory: "/home/sam/.config/breather")
        #expect(
            text == """
                Breather is set up in /home/sam/.config/breather:
                  breather.toml         your names, and how Alex hears from Breather
                  plans/cool-down.toml  a 30-minute break with the code word pineapple
                  secrets/alex-url      the webhook's address, readable only by you
                Read the plan with Alex on a calm day, and change any words that don't sound like the two of you.
                Next: `breather test alex`, then `breather start` when you need a break.
                """)
    }

    @Test func channelNames() {
        func channel(_ partner: String) -> String { InitSetup(me: "Sam", partner: partner, reach: .none).channel }
        #expect(channel("Alex") == "alex")
        #expect(channel("Mary Jo") == "mary-jo")
        #expect(channel("Zoë") == "zo")
        #expect(channel("李") == "partner")
        #expect(channel("Desktop") == "partner")
    }
}
