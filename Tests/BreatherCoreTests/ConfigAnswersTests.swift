import Testing

@testable import BreatherCore

/// `answers = [...]` on `[announce]` and `[extend]`, a plan's `[answers]` relay, and the
/// channel keys that say where answers come back: each read, and each error at its line.
@Suite struct ConfigAnswersTests {
    static let settings = #"""
        me = "Sam"
        partner = "Alex"

        [channels.desktop]
        type = "desktop"

        [channels.alex]
        type = "webhook"
        preset = "ntfy"
        url = "https://ntfy.example.org/sam-and-alex"
        answers_url = "https://ntfy.example.org/sam-and-alex-answers"
        answers_token_file = "secrets/alex-answers-token"

        [channels.alex-matrix]
        type = "webhook"
        preset = "matrix"
        url = "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org"
        token_file = "secrets/matrix-token"
        partner_user_id = "@alex:example.org"

        [channels.phone]
        type = "webhook"
        preset = "ntfy"
        url = "https://ntfy.example.org/sam-alone"

        """#

    /// Loads `settings` and one plan `p`; the plan's diagnostics with the file shortened.
    func load(plan: String, settings: String = settings) -> (Configuration, [String]) {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        fixture.writeSettings(settings)
        fixture.writePlan("p", plan)
        let config = fixture.load()
        let lines = fixture.diagnostics().map {
            $0.replacingOccurrences(of: "CONFIG/plans/p.toml:", with: "")
                .replacingOccurrences(of: "CONFIG/breather.toml:", with: "settings:")
        }
        return (config, lines)
    }

    func loadSettings(_ settings: String) -> (Configuration, [String]) {
        load(plan: "duration = \"5m\"\n", settings: settings)
    }

    // MARK: Plans

    @Test func answersOnAnnounceAndExtendAndTheRelay() throws {
        let (config, lines) = load(
            plan: #"""
                duration = "30m"

                [announce]
                to = ["alex", "alex-matrix"]
                message = "I'm taking {duration} to calm down. I'll come and find you at {checkin_time}."
                answers = ["Thank you for telling me. Take your time.", "Okay. I'll be here."]

                [extend]
                to = ["alex"]
                message = "New check-in: {checkin_time}."
                answers = ["Okay. I'll be here.", "Take the time you need."]

                [answers]
                to = ["desktop", "phone"]
                message = "{partner} says: {answer}"
                """#)
        #expect(lines == [])
        let plan = try #require(config.plans["p"])
        #expect(plan.announce?.answers == ["Thank you for telling me. Take your time.", "Okay. I'll be here."])
        #expect(plan.extend?.answers == ["Okay. I'll be here.", "Take the time you need."])
        #expect(
            plan.agreedAnswers == [
                "Thank you for telling me. Take your time.", "Okay. I'll be here.", "Take the time you need.",
            ])
        #expect(plan.answerRelay?.to == ["desktop", "phone"])
        #expect(plan.answerRelay?.template.render([.partner: "Alex", .answer: "Okay."]) == "Alex says: Okay.")
    }

    @Test func noAnswersAndNoRelayByDefault() throws {
        let (config, lines) = load(plan: ConfigFixture.minimalPlan)
        #expect(lines == [])
        let plan = try #require(config.plans["p"])
        #expect(plan.announce?.answers == nil)
        #expect(plan.agreedAnswers == [])
        #expect(plan.answerRelay == nil)
    }

    @Test func aRelayWithOnlyAMessageKeepsTheDefaultChannels() throws {
        let (config, lines) = load(plan: "duration = \"5m\"\n[answers]\nmessage = \"{answer} ({partner})\"\n")
        #expect(lines == [])
        let relay = try #require(config.plans["p"]?.answerRelay)
        #expect(relay.to == nil)
        #expect(relay.template.source == "{answer} ({partner})")
        let empty = try #require(load(plan: "duration = \"5m\"\n[answers]\n").0.plans["p"]?.answerRelay)
        #expect(empty == Plan.AnswerRelay.standard)
        #expect(empty.template.source == "{partner} answered: {answer}")
    }

    @Test func theRelaysDefaultChannels() throws {
        let (config, _) = load(plan: "duration = \"5m\"\n")
        #expect(Plan.AnswerRelay.standard.channels(in: config.settings) == ["desktop", "phone"])
        var noPhone = config.settings
        noPhone.channels["phone"] = nil
        noPhone.channels["desk2"] = Channel(name: "desk2", kind: .desktop)
        #expect(Plan.AnswerRelay.standard.channels(in: noPhone) == ["desk2", "desktop"])
        #expect(
            Plan.AnswerRelay(to: ["alex"], template: Plan.AnswerRelay.standard.template).channels(in: noPhone) == [
                "alex"
            ])
    }

    @Test func answerErrorsAtTheirLines() {
        let (config, lines) = load(
            plan: #"""
                duration = "30m"

                [announce]
                to = ["alex"]
                message = "hi"
                answers = [
                  "One.",
                  3,
                  "  ",
                  "One.",
                ]

                [extend]
                to = ["alex"]
                message = "later"
                answers = "Okay."

                [back]
                to = ["alex"]
                message = "back"
                answers = ["Welcome back."]
                """#)
        #expect(
            lines == [
                "8: announce.answers must list answers as strings, not the integer 3.",
                "9: announce.answers has an empty answer; write the words the button says.",
                #"10: announce.answers lists 4 answers; offer at most 3, one button each."#,
                #"16: extend.answers must be a list of answers like ["Thank you for telling me. Take your time."], not the string "Okay."."#,
                #"21: unknown key "answers" in [back]; the allowed keys are to and message."#,
            ])
        #expect(config.plans["p"] == nil)
    }

    @Test func duplicateAndEmptyAnswerLists() {
        let (_, twice) = load(
            plan: "duration = \"5m\"\n[announce]\nto = [\"alex\"]\nmessage = \"hi\"\nanswers = [\"Okay.\", \"Okay.\"]\n"
        )
        #expect(twice == [#"5: announce.answers lists "Okay." twice; list each answer once."#])
        let (_, empty) = load(plan: "duration = \"5m\"\n[extend]\nto = [\"alex\"]\nmessage = \"hi\"\nanswers = []\n")
        #expect(
            empty == [
                #"5: extend.answers is empty; list the answers, like answers = ["Thank you for telling me. Take your time."], or leave the line out."#
            ])
    }

    @Test func relayErrors() {
        let (config, lines) = load(
            plan: #"""
                duration = "30m"

                [announce]
                to = ["alex"]
                message = "{answer}"

                [answers]
                to = ["bob"]
                message = "{partner}: {answers}"
                sound = "bell"
                """#)
        #expect(
            lines == [
                "5: announce.message uses the unknown template variable {answer}; the known ones are {me}, {partner}, {plan}, {checkin_time}, {minutes_left}, {duration}, {note} and {late}.",
                #"8: answers.to names channel "bob", which breather.toml does not define; the channels it defines are alex, alex-matrix, desktop and phone."#,
                "9: answers.message uses the unknown template variable {answers}; the known ones are {me}, {partner}, {plan}, {checkin_time}, {minutes_left}, {duration}, {note}, {late} and {answer}.",
                #"10: unknown key "sound" in [answers]; the allowed keys are to and message."#,
            ])
        #expect(config.plans["p"] == nil)
        let (_, wrongType) = load(plan: "duration = \"5m\"\nanswers = [\"Okay.\"]\n")
        #expect(wrongType == ["2: answers must be a table ([answers]), not a list."])
    }

    @Test func aSavedRelayTemplateDecodesWithItsAnswer() throws {
        let plan = try #require(load(plan: "duration = \"5m\"\n[answers]\n").0.plans["p"])
        let decoded = try BreatherJSON.decoder().decode(Plan.self, from: BreatherJSON.encoder().encode(plan))
        #expect(decoded == plan)
        #expect(decoded.answerRelay?.template.variables == [.partner, .answer])
    }

    // MARK: Channels

    @Test func channelKeysAreRead() throws {
        let (config, lines) = loadSettings(Self.settings)
        #expect(lines == [])
        let alex = try #require(config.settings.channels["alex"]?.webhook)
        #expect(alex.answersUrl == "https://ntfy.example.org/sam-and-alex-answers")
        #expect(alex.answersTokenFile?.hasSuffix("/config/breather/secrets/alex-answers-token") == true)
        #expect(alex.partnerUserId == nil)
        let matrix = try #require(config.settings.channels["alex-matrix"]?.webhook)
        #expect(matrix.partnerUserId == "@alex:example.org")
        #expect(matrix.answersUrl == nil)
    }

    @Test func channelKeyErrors() {
        let (config, lines) = loadSettings(
            #"""
            me = "Sam"
            partner = "Alex"

            [channels.json]
            type = "webhook"
            url = "https://hooks.example.org/x"
            answers_url = "https://hooks.example.org/answers"
            partner_user_id = "@alex:example.org"

            [channels.ntfy]
            type = "webhook"
            preset = "ntfy"
            url = "https://ntfy.example.org/sam-and-alex"
            answers_url = "https://ntfy.example.org/sam-and-alex"

            [channels.bad-url]
            type = "webhook"
            preset = "ntfy"
            url = "https://ntfy.example.org/sam-and-alex"
            answers_url = "https://ntfy.example.org/"
            answers_token_file = ""

            [channels.token-alone]
            type = "webhook"
            preset = "ntfy"
            url = "https://ntfy.example.org/sam-and-alex"
            answers_token_file = "secrets/t"

            [channels.matrix]
            type = "webhook"
            preset = "matrix"
            url = "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org"
            partner_user_id = "alex"
            """#)
        #expect(
            lines == [
                "settings:7: channels.json.answers_url works only with the ntfy preset; on matrix, set partner_user_id instead.",
                "settings:8: channels.json.partner_user_id works only with the matrix preset; on ntfy, set answers_url instead.",
                "settings:14: channels.ntfy.answers_url is the channel's own topic; answers need a second topic, like https://ntfy.example.org/sam-and-alex-answers.",
                "settings:20: channels.bad-url.answers_url is not the http or https URL of a topic; write it like https://ntfy.example.org/sam-and-alex-answers.",
                #"settings:21: channels.bad-url.answers_token_file is empty; write a path relative to the config folder, like answers_token_file = "secrets/answers-token"."#,
                "settings:27: channels.token-alone.answers_token_file needs answers_url, the topic the answer buttons publish to.",
                #"settings:33: channels.matrix.partner_user_id "alex" is not a Matrix user id; write it like @alex:example.org."#,
            ])
        #expect(config.settings.channels.isEmpty)
    }

    @Test func answersUrlIsNeverEchoed() {
        let (_, lines) = loadSettings(
            #"""
            me = "Sam"
            partner = "Alex"
            [channels.alex]
            type = "webhook"
            preset = "ntfy"
            url = "https://ntfy.example.org/sam-and-alex"
            answers_url = "ftp://s3cr3t@ntfy.example.org/answers"
            """#)
        #expect(lines.count == 1)
        #expect(!lines.joined().contains("s3cr3t"))
    }

    @Test func matrixUserIds() {
        for good in ["@alex:example.org", "@a.b_c=d/e:matrix.example.org:8448", "@alex:[::1]"] {
            #expect(WebhookParser.isMatrixUserId(good), "\(good)")
        }
        for bad in ["alex", "@alex", "@:example.org", "@alex:", "@al ex:example.org", "#room:example.org", ""] {
            #expect(!WebhookParser.isMatrixUserId(bad), "\(bad)")
        }
    }
}
