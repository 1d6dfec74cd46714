import Testing

@testable import BreatherCore

/// Each kind of breather.toml error, at its line, with its exact wording.
@Suite struct ConfigSettingsErrorTests {
    func load(_ settings: String) -> (Configuration, [String]) {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        fixture.writeSettings(settings)
        let config = fixture.load()
        let lines = fixture.diagnostics().map { $0.replacingOccurrences(of: "CONFIG/breather.toml:", with: "") }
        return (config, lines)
    }

    @Test func missingAndWrongTypeNames() {
        let (config, lines) = load(
            """
            partner = 7
            default_plan = ""
            """)
        #expect(
            lines == [
                #"1: me is missing; add a line like me = "Sam"."#,
                "1: partner must be a string, not the integer 7.",
                #"2: default_plan is empty; name a plan, like default_plan = "cool-down", or leave the line out."#,
            ])
        #expect(config.settings.me == "me")
    }

    @Test func unknownTopLevelKey() {
        let (_, lines) = load(
            """
            me = "Sam"
            partner = "Alex"
            partnr = "Alex"
            """)
        #expect(lines == [#"3: unknown key "partnr"; the allowed keys are me, partner, default_plan and channels."#])
    }

    @Test func channelErrors() {
        let (config, lines) = load(
            """
            me = "Sam"
            partner = "Alex"

            [channels.desktop]
            type = "desktop"
            url = "https://example.org"

            [channels.sms]
            type = "sms"

            [channels."my phone"]
            type = "desktop"

            [channels.untyped]

            [channels.ok]
            type = "desktop"
            """)
        #expect(
            lines == [
                #"6: unknown key "url" in [channels.desktop]; a desktop channel has only type."#,
                #"9: channels.sms.type "sms" is not a channel type; use "desktop" or "webhook"."#,
                #"11: channel name "my phone" may only use letters, digits, '-' and '_'."#,
                #"14: channels.untyped.type is missing; add a line like type = "desktop" or type = "webhook"."#,
            ])
        #expect(config.settings.channels.keys.sorted() == ["ok"])
    }

    @Test func webhookErrors() {
        let (config, lines) = load(
            """
            me = "Sam"
            partner = "Alex"

            [channels.alex]
            type = "webhook"
            preset = "whatsapp"
            url = "ftp://secret-key@example.org/abc"
            timeout = "ten seconds"
            retry_window = 24
            tokenfile = "x"

            [channels.both]
            type = "webhook"
            url = "https://example.org/"
            url_file = "url"

            [channels.neither]
            type = "webhook"
            token_file = ""
            """)
        #expect(
            lines == [
                #"6: channels.alex.preset "whatsapp" is not a preset; use json, ntfy, slack, discord, matrix, telegram or gotify."#,
                "7: channels.alex.url is not an http or https URL; write it like https://ntfy.example.org/topic.",
                #"8: channels.alex.timeout "ten seconds" is not a duration; write it like 90s, 30m, 1h or 1h30m."#,
                #"9: channels.alex.retry_window must be a string like "30m", not the integer 24."#,
                #"10: unknown key "tokenfile" in [channels.alex]; a webhook channel allows type, preset, url, url_file, token_file, timeout, retry_window, hold_on_server, answers_url, answers_token_file and partner_user_id."#,
                "15: channels.both has both url and url_file; keep only one of them.",
                #"17: channels.neither has neither url nor url_file; add one, like url = "https://ntfy.example.org/topic"."#,
                #"19: channels.neither.token_file is empty; write a path relative to the config folder, like token_file = "secrets/token"."#,
            ])
        #expect(config.settings.channels.isEmpty)
    }

    @Test func webhookURLIsNeverEchoed() {
        let secret = "s3cr3t-t0ken"
        for url in [
            "ftp://example.org/\(secret)", "example.org/\(secret)", "https:// \(secret)", "https://\(secret) x", secret,
        ] {
            let (_, lines) = load(
                """
                me = "Sam"
                partner = "Alex"
                [channels.alex]
                type = "webhook"
                url = "\(url)"
                """)
            #expect(
                lines == [
                    "5: channels.alex.url is not an http or https URL; write it like https://ntfy.example.org/topic."
                ])
            #expect(!lines.joined().contains(secret))
        }
    }

    @Test func channelsMustBeTables() {
        let (_, lines) = load(
            """
            me = "Sam"
            partner = "Alex"
            channels = "desktop"
            """)
        #expect(lines == [#"3: channels must be a table of [channels.NAME] sections, not the string "desktop"."#])
        let (_, inline) = load(
            """
            me = "Sam"
            partner = "Alex"
            [channels]
            desktop = "desktop"
            phone = { type = "webhook", url = "mailto:x" }
            """)
        #expect(
            inline == [
                #"4: channels.desktop must be a table ([channels.desktop]), not the string "desktop"."#,
                "5: channels.phone.url is not an http or https URL; write it like https://ntfy.example.org/topic.",
            ])
    }

    @Test func brokenChannelStillCountsAsDefinedForPlans() {
        let fixture = ConfigFixture()
        defer { fixture.remove() }
        fixture.writeSettings(
            """
            me = "Sam"
            partner = "Alex"
            [channels.alex]
            type = "webhook"
            """)
        fixture.writePlan("p", ConfigFixture.minimalPlan)
        let config = fixture.load()
        #expect(config.settingsDiagnostics.count == 1)
        #expect(config.planFiles.first?.isValid == true)
    }
}
