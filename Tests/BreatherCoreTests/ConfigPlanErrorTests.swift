import Testing

@testable import BreatherCore

/// Each kind of plan error, at its line, with its exact wording.
@Suite struct ConfigPlanErrorTests {
    /// Writes the example settings and one plan `p`, and returns p's diagnostics.
    func diagnostics(of plan: String) -> [String] {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        fixture.writeSettings(
            ConfigFixture.exampleSettings.replacingOccurrences(of: "default_plan = \"cool-down\"", with: ""))
        fixture.writePlan("p", plan)
        let config = fixture.load()
        #expect(config.settingsDiagnostics == [])
        let file = config.planFiles.first
        #expect(file?.plan == nil || file?.diagnostics.isEmpty == true)
        return fixture.diagnostics().map { $0.replacingOccurrences(of: "CONFIG/plans/p.toml:", with: "") }
    }

    @Test func malformedDuration() {
        #expect(
            diagnostics(of: "description = \"x\"\n\nduration = \"30 minutes\"\n") == [
                #"3: duration "30 minutes" is not a duration; write it like 90s, 30m, 1h or 1h30m."#
            ])
        #expect(
            diagnostics(of: "duration = \"-5m\"") == [
                #"1: duration "-5m" must be longer than zero and carry no sign; write it like 90s, 30m, 1h or 1h30m."#
            ])
        #expect(
            diagnostics(of: "duration = \"0s\"") == [
                #"1: duration "0s" must be longer than zero and carry no sign; write it like 90s, 30m, 1h or 1h30m."#
            ])
    }

    @Test func wrongTypes() {
        let plan = """
            description = 5
            code_word = true
            duration = 30
            announce = "alex"
            reminder = { offset = "1m" }
            """
        #expect(
            diagnostics(of: plan) == [
                "1: description must be a string, not the integer 5.",
                #"2: code_word must be a string like "pineapple", not the boolean true."#,
                #"3: duration must be a string like "30m", not the integer 30."#,
                #"4: announce must be a table ([announce]), not the string "alex"."#,
                "5: reminder must be a list of tables written [[reminder]], not a table.",
            ])
    }

    @Test func missingDuration() {
        #expect(
            diagnostics(of: "description = \"calm\"\n") == [
                #"1: duration is missing; add a line like duration = "30m"."#
            ])
    }

    @Test func unknownKeysEverywhere() {
        let plan = """
            duration = "5m"
            colour = "blue"

            [announce]
            to = ["alex"]
            message = "hi"
            urgent = true

            [[reminder]]
            offset = "0s"
            to = ["desktop"]
            message = "now"
            sound = "bell"

            [announcement]
            to = ["alex"]
            """
        #expect(
            diagnostics(of: plan) == [
                #"2: unknown key "colour"; the allowed keys are description, code_word, duration, announce, reminder, back, extend, cancel and answers."#,
                #"7: unknown key "urgent" in [announce]; the allowed keys are to, message and answers."#,
                #"13: unknown key "sound" in [[reminder]]; the allowed keys are offset, to and message."#,
                #"15: unknown key "announcement"; the allowed keys are description, code_word, duration, announce, reminder, back, extend, cancel and answers."#,
            ])
    }

    @Test func reminderErrorsPointAtTheRightReminder() {
        let plan = """
            duration = "30m"

            [[reminder]]
            offset = "-5m"
            to = ["desktop"]
            message = "soon"

            [[reminder]]
            offset = "5 minutes"
            to = ["desktop"]
            message = "late"

            [[reminder]]
            to = ["desktop"]
            message = "{when}"
            """
        #expect(
            diagnostics(of: plan) == [
                #"9: reminder.offset "5 minutes" is not an offset; write it like -5m (before the check-in), 0s (at it) or +10m (after it)."#,
                #"13: reminder.offset is missing; add a line like offset = "-5m"."#,
                "15: reminder.message uses the unknown template variable {when}; the known ones are {me}, {partner}, {plan}, {checkin_time}, {minutes_left}, {duration}, {note} and {late}.",
            ])
    }

    @Test func unknownChannels() {
        let plan = """
            duration = "30m"

            [back]
            to = [
                "desktop",
                "bob",
                3,
                "desktop",
            ]
            message = "{me} is back."

            [cancel]
            to = []
            message = "cancelled"
            """
        #expect(
            diagnostics(of: plan) == [
                #"6: back.to names channel "bob", which breather.toml does not define; the channels it defines are alex and desktop."#,
                "7: back.to must list channel names as strings, not the integer 3.",
                #"8: back.to names channel "desktop" twice; list each channel once."#,
                #"13: cancel.to is empty; list at least one channel, like to = ["alex"]."#,
            ])
    }

    @Test func missingToAndMessage() {
        let plan = """
            duration = "30m"
            [extend]
            [back]
            to = "alex"
            message = ""
            """
        #expect(
            diagnostics(of: plan) == [
                #"2: extend.to is missing; add a line like to = ["alex"]."#,
                #"2: extend.message is missing; add a line like message = "{me} is back and ready to talk."."#,
                #"4: back.to must be a list of channel names like ["alex"], not the string "alex"."#,
                "5: back.message is empty; write the text to send.",
            ])
    }

    @Test func templateErrorsAtTheMessageLine() {
        let plan = #"""
            duration = "30m"

            [announce]
            to = ["alex"]
            message = """
            Back at {checkin_time}.
            Love, {name}"""

            [back]
            message = "back {me"
            to = ["alex"]

            [extend]
            to = ["alex"]
            message = 'a } b'
            """#
        #expect(
            diagnostics(of: plan) == [
                "5: announce.message uses the unknown template variable {name}; the known ones are {me}, {partner}, {plan}, {checkin_time}, {minutes_left}, {duration}, {note} and {late}.",
                "10: back.message has a '{' that is never closed; write '{{' for a literal brace.",
                "15: extend.message has a '}' with no opening '{'; write '}}' for a literal brace.",
            ])
    }

    @Test func codeWordMustBeOneWord() {
        #expect(
            diagnostics(of: "duration = \"5m\"\ncode_word = \"pine apple\"\n") == [
                #"2: code_word "pine apple" must be one word without spaces, like "pineapple"."#
            ])
        #expect(
            diagnostics(of: "duration = \"5m\"\ncode_word = \"\"\n") == [
                #"2: code_word is empty; write one word, like code_word = "pineapple", or leave the line out."#
            ])
    }

    @Test func inlineTablesAndDottedKeysFindTheirLines() {
        let plan = """
            duration = "5m"
            announce.to = ["alex"]
            announce.message = "{oops}"
            reminder = [
              { offset = "0s", to = ["desktop"], message = "ok" },
              { offset = "soon", to = ["desktop"], message = "ok" },
            ]
            """
        let result = diagnostics(of: plan)
        #expect(result.count == 2)
        #expect(result.first?.hasPrefix("3: announce.message uses the unknown template variable {oops};") == true)
        #expect(
            result.last
                == #"6: reminder.offset "soon" is not an offset; write it like -5m (before the check-in), 0s (at it) or +10m (after it)."#
        )
    }

    @Test func everyErrorInTheFileIsReported() {
        let plan = """
            duration = "1.5h"
            code_word = "a b"
            [announce]
            to = ["nobody"]
            message = "{x}"
            """
        #expect(diagnostics(of: plan).map { $0.prefix(2) } == ["1:", "2:", "4:", "5:"])
    }
}
