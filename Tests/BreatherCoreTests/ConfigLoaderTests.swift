import Foundation
import Testing

@testable import BreatherCore

@Suite struct ConfigLoaderTests {
    @Test func exampleConfigLoadsWithoutDiagnostics() throws {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        let config = fixture.load()
        #expect(config.diagnostics == [])

        #expect(config.settings.me == "Sam")
        #expect(config.settings.partner == "Alex")
        #expect(config.settings.defaultPlan == "cool-down")
        #expect(config.settings.channels["desktop"] == Channel(name: "desktop", kind: .desktop))
        let alex = try #require(config.settings.channels["alex"])
        #expect(alex.kind == .webhook)
        #expect(
            alex.webhook
                == Webhook(
                    preset: .ntfy,
                    url: "https://ntfy.example.org/sam-and-alex",
                    tokenFile: fixture.paths.configDirectory + "/secrets/ntfy-token",
                    timeout: Span(seconds: 10),
                    retryWindow: Span(seconds: 24 * 3600)
                ))

        #expect(config.planFiles.map(\.name) == ["cool-down"])
        #expect(config.planFiles[0].path == fixture.planPath("cool-down"))
        let plan = try #require(config.plans["cool-down"])
        #expect(plan.name == "cool-down")
        #expect(plan.description == "Step away from an argument to calm down")
        #expect(plan.codeWord == "pineapple")
        #expect(plan.duration == Span(seconds: 1800))
        #expect(plan.announce?.to == ["alex"])
        #expect(plan.announce?.template.variables == [.checkinTime])
        #expect(plan.reminders.map(\.offset) == [Span(seconds: -300), Span(seconds: 0), Span(seconds: 600)])
        #expect(plan.reminders.map(\.to) == [["desktop"], ["desktop"], ["alex"]])
        #expect(
            plan.reminders[0].template.source == "{minutes_left} minutes until you promised to check in with {partner}."
        )
        #expect(plan.back?.template.render([.me: "Sam"]) == "Sam is back and ready to talk.")
        #expect(plan.extend?.to == ["alex"])
        #expect(plan.cancel == nil)
        #expect(config.plan(named: "PineApple")?.name == "cool-down")
    }

    @Test func webhookDefaultsAndURLFile() throws {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        fixture.writeSettings(
            """
            me = "Sam"
            partner = "Alex"

            [channels.phone]
            type = "webhook"
            url_file = "secrets/url"
            retry_window = "2h"

            [channels.abs]
            type = "webhook"
            url = "http://localhost:8080/hook"
            token_file = "/etc/breather/token"
            """)
        let config = fixture.load()
        #expect(config.diagnostics == [])
        let phone = try #require(config.settings.channels["phone"]?.webhook)
        #expect(phone.preset == .json)
        #expect(phone.url == nil)
        #expect(phone.urlFile == fixture.paths.configDirectory + "/secrets/url")
        #expect(phone.timeout == Span(seconds: 10))
        #expect(phone.retryWindow == Span(seconds: 7200))
        #expect(config.settings.channels["abs"]?.webhook?.tokenFile == "/etc/breather/token")
        #expect(config.settings.defaultPlan == nil)
    }

    @Test func unicodeAndWindowsLineEndingsLoad() throws {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        let plan =
            "# Pause für uns beide \u{2028} ✨\r\ndescription = \"Kurze Pause 🌿\"\r\nduration = \"1h\" # eine Stunde\r\n"
            + "\"code_word\" = 'Ananas'\r\n[back] # zurück\r\nto = [ # wer\r\n  \"alex\", # Alex 💬\r\n]\r\nmessage = \"\"\"\r\n{me} ist zurück 💛\"\"\"\r\n"
        fixture.writePlan("pause", plan)
        let config = fixture.load()
        #expect(config.diagnostics == [])
        let pause = try #require(config.plans["pause"])
        #expect(pause.description == "Kurze Pause 🌿")
        #expect(pause.codeWord == "Ananas")
        #expect(pause.back?.to == ["alex"])
        #expect(pause.back?.template.render([.me: "Sam"]) == "Sam ist zurück 💛")
    }

    @Test func onlyVisibleTomlFilesAreLoadedInNameOrder() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan("b-plan", ConfigFixture.minimalPlan)
        fixture.writePlan("a-plan", ConfigFixture.minimalPlan)
        fixture.writePlan(".hidden", "this is not toml")
        fixture.write(fixture.paths.plansDirectory + "/notes.txt", "not a plan")
        fixture.write(fixture.paths.plansDirectory + "/old.toml~", "not a plan")
        let config = fixture.load()
        #expect(config.diagnostics == [])
        #expect(config.planFiles.map(\.name) == ["a-plan", "b-plan", "cool-down"])
        #expect(config.plans.count == 3)
    }

    @Test func badPlanNextToGoodOne() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan(
            "broken",
            """
            duration = "30 minutes"
            colour = "blue"
            """)
        let config = fixture.load()
        #expect(
            fixture.diagnostics() == [
                #"CONFIG/plans/broken.toml:1: duration "30 minutes" is not a duration; write it like 90s, 30m, 1h or 1h30m."#,
                #"CONFIG/plans/broken.toml:2: unknown key "colour"; the allowed keys are description, code_word, duration, announce, reminder, back, extend, cancel and answers."#,
            ])
        #expect(config.planFiles.map(\.name) == ["broken", "cool-down"])
        #expect(config.planFiles[0].plan == nil)
        #expect(config.planFiles[0].diagnostics.count == 2)
        #expect(config.planFiles[1].isValid)
        #expect(config.settingsDiagnostics == [])
        #expect(Array(config.plans.keys) == ["cool-down"])
    }

    @Test func missingSettingsFileStillLoadsPlans() {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        fixture.writePlan("quiet", "duration = \"10m\"\n")
        fixture.writePlan("loud", ConfigFixture.minimalPlan)
        let config = fixture.load()
        #expect(
            fixture.diagnostics() == [
                #"CONFIG/breather.toml: there is no settings file here; run "breather init" to create one, or copy the example breather.toml from the config/ folder of Breather's sources."#,
                #"CONFIG/plans/loud.toml:4: announce.to names channel "alex", which breather.toml does not define; breather.toml defines no channels."#,
            ])
        #expect(config.settingsDiagnostics.first?.line == nil)
        #expect(config.settings.channels.isEmpty)
        #expect(config.plans.keys.sorted() == ["quiet"])
    }

    @Test func missingPlansFolderIsNoError() {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        try? FileManager.default.removeItem(atPath: fixture.paths.plansDirectory)
        fixture.writeSettings("me = \"Sam\"\npartner = \"Alex\"\n")
        let config = fixture.load()
        #expect(config.diagnostics == [])
        #expect(config.planFiles.isEmpty)
    }

    @Test func defaultPlanMissing() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writeSettings(ConfigFixture.exampleSettings.replacingOccurrences(of: "\"cool-down\"", with: "\"calm\""))
        let config = fixture.load()
        #expect(
            fixture.diagnostics() == [
                #"CONFIG/breather.toml:3: default_plan "calm" names a plan that does not exist; there is no CONFIG/plans/calm.toml."#
            ])
        #expect(config.settingsDiagnostics.count == 1)
        // A problem about another file: breather.toml's names and channels stay in force.
        #expect(config.settingsAreSound)
        // The daemon still has the good plans and the channels.
        #expect(config.plans.keys.sorted() == ["cool-down"])
        #expect(config.settings.channels.count == 2)
        #expect(config.settings.defaultPlan == "calm")
    }

    @Test func defaultPlanInvalid() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan("cool-down", "duration = 30\n")
        fixture.writePlan("other", ConfigFixture.minimalPlan)
        let config = fixture.load()
        #expect(
            fixture.diagnostics() == [
                #"CONFIG/breather.toml:3: default_plan "cool-down" names a plan that has errors; fix CONFIG/plans/cool-down.toml first."#,
                #"CONFIG/plans/cool-down.toml:1: duration must be a string like "30m", not the integer 30."#,
            ])
        #expect(config.plans.keys.sorted() == ["other"])
        #expect(config.settingsAreSound)
    }

    @Test func codeWordUsedTwiceIsAnErrorOnTheLaterPlan() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan("dinner", "description = \"x\"\ncode_word = \"PineApple\"\nduration = \"5m\"\n")
        let config = fixture.load()
        #expect(
            fixture.diagnostics() == [
                #"CONFIG/plans/dinner.toml:2: code_word "PineApple" is already the code word of plan cool-down; choose another word."#
            ])
        #expect(config.planFiles.first { $0.name == "dinner" }?.plan == nil)
        #expect(config.plans.keys.sorted() == ["cool-down"])
    }

    @Test func codeWordEqualToAnotherPlansName() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan("a-walk", "code_word = \"Cool-Down\"\nduration = \"5m\"\n")
        #expect(
            fixture.diagnostics() == [
                #"CONFIG/plans/a-walk.toml:1: code_word "Cool-Down" is also the name of plan cool-down; choose another word."#
            ])
    }

    @Test func malformedTomlReportsTheParsersLine() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan("typo", "description = \"ok\"\n\nduration = \"30m\n[announce]\n")
        let config = fixture.load()
        let diagnostics = config.planFiles.first { $0.name == "typo" }?.diagnostics ?? []
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.line == 3)
        #expect(diagnostics.first?.message.hasPrefix("this is not valid TOML: ") == true)
        #expect(diagnostics.first?.message.hasSuffix(".") == true)
        #expect(config.plans.keys.sorted() == ["cool-down"])
    }

    @Test func malformedTomlExactWording() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writePlan("extra", "description = \"ok\"\nduration = \"30m\" 2\n")
        #expect(
            fixture.diagnostics() == [
                "CONFIG/plans/extra.toml:2: this is not valid TOML: error while parsing key-value pair: expected a comment or whitespace, saw '2'."
            ])
    }

    @Test func malformedSettingsKeepsPlansLoading() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.writeSettings("me = \"Sam\"\npartner = \"Alex\"\n[channels.desktop\ntype = \"desktop\"\n")
        let config = fixture.load()
        #expect(config.settingsDiagnostics.count == 1)
        #expect(config.settingsDiagnostics.first?.line == 3)
        #expect(config.settingsDiagnostics.first?.message.hasPrefix("this is not valid TOML: ") == true)
        #expect(config.planFiles.count == 1)
    }

    @Test func unreadableInputsNeverCrash() {
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        fixture.write(fixture.planPath("nul"), "duration = \"5m\"\n\u{0}\n")
        _ = FileManager.default.createFile(
            atPath: fixture.planPath("latin1"), contents: Data([0x64, 0x3D, 0xE9, 0x0A]))
        try? FileManager.default.createDirectory(atPath: fixture.planPath("folder"), withIntermediateDirectories: true)
        fixture.writePlan("empty", "")
        #expect(
            fixture.diagnostics() == [
                "CONFIG/plans/empty.toml:1: duration is missing; add a line like duration = \"30m\".",
                "CONFIG/plans/folder.toml: this is a folder, not a TOML file.",
                "CONFIG/plans/latin1.toml: the file is not UTF-8 text, which TOML requires.",
                "CONFIG/plans/nul.toml:2: the file contains a NUL character, which TOML does not allow.",
            ])
        #expect(fixture.load().plans.keys.sorted() == ["cool-down"])
    }
}
