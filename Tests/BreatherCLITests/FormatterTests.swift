import BreatherCore
import Foundation
import Testing

@testable import BreatherCLI

/// A fixed moment: 2026-11-21 14:25:00 UTC.
let fixedNow = Timestamp.parse("2026-11-21T14:25:00.000Z")!
let utc = TimeZone(identifier: "UTC")!

func at(_ text: String) -> Date {
    Timestamp.parse(text)!
}

@Suite struct ClockTests {
    let clock = TimeInWords(now: fixedNow, timeZone: utc)

    @Test func relativeWords() {
        #expect(clock.relative(fixedNow.addingTimeInterval(25 * 60)) == "in 25 minutes")
        #expect(clock.relative(fixedNow.addingTimeInterval(60)) == "in 1 minute")
        #expect(clock.relative(fixedNow.addingTimeInterval(-3 * 60)) == "3 minutes ago")
        #expect(clock.relative(fixedNow.addingTimeInterval(-60)) == "1 minute ago")
        #expect(clock.relative(fixedNow.addingTimeInterval(10)) == "in less than a minute")
        #expect(clock.relative(fixedNow.addingTimeInterval(-10)) == "less than a minute ago")
        #expect(clock.relative(fixedNow.addingTimeInterval(65 * 60)) == "in 1 hour 5 minutes")
        #expect(clock.relative(fixedNow.addingTimeInterval(2 * 3600)) == "in 2 hours")
        #expect(clock.relative(fixedNow.addingTimeInterval(89)) == "in 1 minute")
        #expect(clock.relative(fixedNow.addingTimeInterval(91)) == "in 2 minutes")
    }

    @Test func times() {
        #expect(clock.time(at("2026-11-21T09:05:59.999Z")) == "09:05")
        #expect(clock.moment(at("2026-11-21T23:59:00.000Z")) == "23:59")
        #expect(clock.moment(at("2026-11-22T00:20:00.000Z")) == "00:20 on 2026-11-22")
        #expect(clock.day(at("2026-11-21T14:00:00.000Z")) == "2026-11-21")
        let berlin = TimeInWords(now: fixedNow, timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(berlin.time(at("2026-11-21T14:35:00.000Z")) == "15:35")
    }
}

@Suite struct StatusTextTests {
    let clock = TimeInWords(now: fixedNow, timeZone: utc)

    @Test func noBreak() {
        let report = StatusReport(active: false, break: nil, retrying: [])
        #expect(StatusText.render(report, clock: clock) == "No break is running.")
    }

    @Test func answersShowAsWrittenWithTheirTimes() {
        let report = StatusReport(
            active: true,
            break: .init(
                id: "b1", plan: "cool-down",
                startedAt: at("2026-11-21T14:05:00.000Z"), checkinAt: at("2026-11-21T14:35:00.000Z"),
                extensions: 0, pending: [], partner: "Alex", note: nil,
                answers: [
                    AnswerEntry(at: at("2026-11-21T14:07:10.000Z"), text: "Thank you for telling me. Take your time."),
                    AnswerEntry(at: at("2026-11-21T14:08:00.000Z"), text: "❤"),
                    AnswerEntry(at: at("2026-11-21T14:09:00.000Z"), text: "ok\nfine\u{1B}[2J"),
                ]
            ),
            retrying: []
        )
        #expect(
            StatusText.render(report, clock: clock) == """
                A break is running: cool-down, started at 14:05 (20 minutes ago).
                Check-in with Alex at 14:35, in 10 minutes.
                Alex answered at 14:07: Thank you for telling me. Take your time.
                Alex answered at 14:08: ❤
                Alex answered at 14:09: ok fine [2J
                No more reminders are scheduled.
                """)
    }

    @Test func runningBreak() {
        let report = StatusReport(
            active: true,
            break: .init(
                id: "b1", plan: "cool-down",
                startedAt: at("2026-11-21T14:05:00.000Z"), checkinAt: at("2026-11-21T14:35:00.000Z"),
                extensions: 0,
                pending: [
                    .init(offsetSeconds: -300, dueAt: at("2026-11-21T14:30:00.000Z"), to: ["desktop"]),
                    .init(offsetSeconds: 0, dueAt: at("2026-11-21T14:35:00.000Z"), to: ["desktop"]),
                    .init(offsetSeconds: 600, dueAt: at("2026-11-21T14:45:00.000Z"), to: ["alex", "desktop"]),
                ],
                partner: "Alex", note: nil
            ),
            retrying: []
        )
        #expect(
            StatusText.render(report, clock: clock) == """
                A break is running: cool-down, started at 14:05 (20 minutes ago).
                Check-in with Alex at 14:35, in 10 minutes.
                Reminders to come:
                  14:30  -5m          desktop
                  14:35  at check-in  desktop
                  14:45  +10m         alex, desktop
                """)
    }

    @Test func pastCheckInExtendedWithRetries() {
        let report = StatusReport(
            active: true,
            break: .init(
                id: "b2", plan: "pineapple",
                startedAt: at("2026-11-21T13:30:00.000Z"), checkinAt: at("2026-11-21T14:22:00.000Z"),
                extensions: 2,
                pending: [.init(offsetSeconds: 600, dueAt: at("2026-11-21T14:32:00.000Z"), to: ["alex"])],
                partner: "Alex", note: "a walk around the block"
            ),
            retrying: [
                .init(
                    deliveryId: "d1", event: .announce, channel: "alex", attempts: 3,
                    nextAttemptAt: at("2026-11-21T14:26:00.000Z"), expiresAt: at("2026-11-22T13:30:00.000Z"),
                    lastError: "The server did not answer within 10 seconds."
                ),
                .init(
                    deliveryId: "d2", event: .extend, channel: "alex", attempts: 1,
                    nextAttemptAt: at("2026-11-21T14:25:30.000Z"), expiresAt: at("2026-11-22T13:30:00.000Z"),
                    lastError: nil
                ),
            ]
        )
        #expect(
            StatusText.render(report, clock: clock) == """
                A break is running: pineapple, started at 13:30 (55 minutes ago).
                Check-in with Alex was due at 14:22, 3 minutes ago.
                Extended 2 times.
                Note: a walk around the block
                Reminders to come:
                  14:32  +10m  alex
                Waiting to be sent again:
                  announce to alex: next try at 14:26 (3 attempts so far). Last error: The server did not answer within 10 seconds.
                  extend to alex: next try at 14:25 (1 attempt so far).
                """)
    }

    @Test func noBreakButRetrying() {
        let report = StatusReport(
            active: false, break: nil,
            retrying: [
                .init(
                    deliveryId: "d3", event: .back, channel: "alex", attempts: 2,
                    nextAttemptAt: at("2026-11-21T14:27:00.000Z"), expiresAt: at("2026-11-22T14:00:00.000Z"),
                    lastError: "HTTP 503 from ntfy.example.org."
                )
            ])
        #expect(
            StatusText.render(report, clock: clock) == """
                No break is running.
                Waiting to be sent again:
                  back to alex: next try at 14:27 (2 attempts so far). Last error: HTTP 503 from ntfy.example.org.
                """)
    }

    @Test func onceExtendedAndNothingLeft() {
        let report = StatusReport(
            active: true,
            break: .init(
                id: "b3", plan: "quick",
                startedAt: at("2026-11-21T14:24:40.000Z"), checkinAt: at("2026-11-21T15:26:00.000Z"),
                extensions: 1, pending: [], partner: "Alex", note: ""
            ),
            retrying: []
        )
        #expect(
            StatusText.render(report, clock: clock) == """
                A break is running: quick, started at 14:24 (less than a minute ago).
                Check-in with Alex at 15:26, in 1 hour 1 minute.
                Extended once.
                No more reminders are scheduled.
                """)
    }

    @Test func jsonIsOneObjectWithMillisecondTimes() throws {
        let idle = try String(
            decoding: BreatherJSON.encoder().encode(StatusReport(active: false, break: nil, retrying: [])),
            as: UTF8.self)
        #expect(idle == #"{"active":false,"retrying":[]}"#)

        let report = StatusReport(
            active: true,
            break: .init(
                id: "b1", plan: "cool-down",
                startedAt: at("2026-11-21T14:05:00.000Z"), checkinAt: at("2026-11-21T14:35:00.000Z"),
                extensions: 0,
                pending: [.init(offsetSeconds: -300, dueAt: at("2026-11-21T14:30:00.000Z"), to: ["desktop"])],
                partner: "Alex", note: nil
            ),
            retrying: []
        )
        let json = try String(decoding: BreatherJSON.encoder().encode(report), as: UTF8.self)
        #expect(
            json
                == #"{"active":true,"break":{"checkin_at":"2026-11-21T14:35:00.000Z","extensions":0,"id":"b1","partner":"Alex","pending":[{"due_at":"2026-11-21T14:30:00.000Z","event":"reminder","offset_seconds":-300,"to":["desktop"]}],"plan":"cool-down","started_at":"2026-11-21T14:05:00.000Z"},"retrying":[]}"#
        )
    }
}

@Suite struct HistoryTextTests {
    let clock = TimeInWords(now: fixedNow, timeZone: utc)

    func record(
        _ id: String, plan: String = "cool-down", started: String, promised: String, checkin: String? = nil,
        ended: String, outcome: HistoryRecord.Outcome = .back, extensions: Int = 0
    ) -> HistoryRecord {
        HistoryRecord(
            breakId: id, plan: plan, startedAt: at(started), promisedAt: at(promised),
            checkinAt: at(checkin ?? promised), endedAt: at(ended), outcome: outcome, extensions: extensions, note: nil
        )
    }

    var records: [HistoryRecord] {
        [
            record(
                "a", started: "2026-11-19T14:05:00.000Z", promised: "2026-11-19T14:35:00.000Z",
                ended: "2026-11-19T14:32:10.000Z"),
            record(
                "b", plan: "pineapple", started: "2026-11-20T19:40:00.000Z", promised: "2026-11-20T20:10:00.000Z",
                checkin: "2026-11-20T20:25:00.000Z", ended: "2026-11-20T20:27:00.000Z", extensions: 1),
            record(
                "c", started: "2026-11-21T08:30:00.000Z", promised: "2026-11-21T09:00:00.000Z",
                ended: "2026-11-21T08:50:00.000Z", outcome: .cancelled),
            record(
                "d", started: "2026-11-21T10:00:00.000Z", promised: "2026-11-21T10:30:00.000Z",
                checkin: "2026-11-21T11:00:00.000Z", ended: "2026-11-21T10:59:00.000Z", extensions: 2),
        ]
    }

    @Test func humanTableChartAndSummary() throws {
        try Golden.check(HistoryText.render(records, clock: clock), against: "history.txt")
    }

    @Test func empty() {
        #expect(HistoryText.render([], clock: clock) == "No breaks yet. Each one you take will show here.")
    }

    @Test func summaries() {
        let onTime = records[0]
        let late = records[1]
        let cancelled = records[2]
        #expect(HistoryText.summary([onTime]) == "1 of 1 check-in was on time.")
        #expect(HistoryText.summary([late]) == "0 of 1 check-in was on time.")
        #expect(HistoryText.summary([cancelled, cancelled]) == "No check-ins yet; 2 breaks were cancelled.")
        #expect(HistoryText.summary(Array(repeating: onTime, count: 7) + [late]) == "7 of 8 check-ins were on time.")
    }

    @Test func lateByLessThanAMinute() {
        let r = record(
            "e", started: "2026-11-21T10:00:00.000Z", promised: "2026-11-21T10:30:00.000Z",
            ended: "2026-11-21T10:30:20.000Z")
        #expect(
            HistoryText.row(r, clock: clock) == [
                "2026-11-21", "cool-down", "10:00", "10:30", "10:30", "less than a minute late",
            ])
    }

    @Test func parsingSkipsMalformedLinesAndKeepsTheLastCopyOfABreak() throws {
        let encoder = BreatherJSON.encoder()
        var first = records[0]
        let line1 = try String(decoding: encoder.encode(first), as: UTF8.self)
        first.extensions = 1
        let line4 = try String(decoding: encoder.encode(first), as: UTF8.self)
        let line3 = try String(decoding: encoder.encode(records[1]), as: UTF8.self)
        let text = [line1, "{not json", line3, line4, "", "{\"break_id\": \"x\"}", ""].joined(separator: "\n")
        let (parsed, problems) = HistoryFile.parse(Array(text.utf8), path: "/state/history.jsonl")
        #expect(parsed.map(\.breakId) == ["a", "b"])
        #expect(parsed[0].extensions == 1)
        #expect(
            problems == [
                "/state/history.jsonl:2: this line is not a break record, so it was skipped.",
                "/state/history.jsonl:6: this line is not a break record, so it was skipped.",
            ])
    }
}

@Suite struct PlansTextTests {
    var configuration: Configuration {
        let coolDown = Plan(
            name: "cool-down", description: "Step away from an argument to calm down", codeWord: "pineapple",
            duration: .minutes(30))
        let quick = Plan(name: "quick", description: "", duration: Span(seconds: 5400))
        return Configuration(
            settings: Settings(
                me: "Sam", partner: "Alex", defaultPlan: "cool-down",
                channels: [
                    "desktop": Channel(name: "desktop", kind: .desktop)
                ]),
            settingsDiagnostics: [],
            planFiles: [
                .init(
                    name: "broken", path: "/cfg/plans/broken.toml", plan: nil,
                    diagnostics: [
                        Diagnostic(
                            file: "/cfg/plans/broken.toml", line: 3,
                            message: "duration \"half an hour\" is not a duration."),
                        Diagnostic(
                            file: "/cfg/plans/broken.toml", line: 7,
                            message: "the channel \"bob\" is not defined in breather.toml."),
                    ]),
                .init(name: "cool-down", path: "/cfg/plans/cool-down.toml", plan: coolDown, diagnostics: []),
                .init(name: "quick", path: "/cfg/plans/quick.toml", plan: quick, diagnostics: []),
            ]
        )
    }

    @Test func human() {
        #expect(
            PlansText.render(configuration, plansDirectory: "/cfg/plans") == """
                broken               invalid: /cfg/plans/broken.toml:3: duration "half an hour" is not a duration.
                                              /cfg/plans/broken.toml:7: the channel "bob" is not defined in breather.toml.
                cool-down (default)  30m    pineapple  Step away from an argument to calm down
                quick                1h30m  -
                """)
    }

    @Test func noPlans() {
        let empty = Configuration(settings: Settings(), settingsDiagnostics: [], planFiles: [])
        #expect(
            PlansText.render(empty, plansDirectory: "/cfg/plans")
                == "There are no plans yet; add one as a .toml file in /cfg/plans.")
    }

    @Test func json() throws {
        let summaries = configuration.planFiles.map(PlanSummary.init)
        let json = try String(decoding: BreatherJSON.encoder().encode(summaries), as: UTF8.self)
        #expect(
            json == """
                [{"code_word":null,"description":null,"duration_seconds":null,"errors":["/cfg/plans/broken.toml:3: duration \\"half an hour\\" is not a duration.","/cfg/plans/broken.toml:7: the channel \\"bob\\" is not defined in breather.toml."],"name":"broken","path":"/cfg/plans/broken.toml","valid":false},\
                {"code_word":"pineapple","description":"Step away from an argument to calm down","duration_seconds":1800,"errors":[],"name":"cool-down","path":"/cfg/plans/cool-down.toml","valid":true},\
                {"code_word":null,"description":"","duration_seconds":5400,"errors":[],"name":"quick","path":"/cfg/plans/quick.toml","valid":true}]
                """)
    }

    @Test func checkVerdict() {
        #expect(CheckCommand.verdict(configuration) == "The configuration is valid: 2 plans, 1 channel.")
    }
}
