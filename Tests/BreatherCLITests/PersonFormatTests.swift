import BreatherCore
import Foundation
import Testing

@testable import BreatherCLI

/// Times in the locale's way: the 24-hour clock unless the locale keeps a 12-hour one.
@Suite struct LocalTimeTests {
    @Test func localeComesFromThePOSIXVariablesInOrder() {
        #expect(LocalTime.localeIdentifier(environment: [:]) == nil)
        #expect(LocalTime.localeIdentifier(environment: ["LANG": "C.UTF-8"]) == nil)
        #expect(LocalTime.localeIdentifier(environment: ["LANG": "POSIX"]) == nil)
        #expect(LocalTime.localeIdentifier(environment: ["LANG": "en_US.UTF-8"]) == "en_US")
        #expect(LocalTime.localeIdentifier(environment: ["LANG": "en_US.UTF-8", "LC_TIME": "de_DE.UTF-8"]) == "de_DE")
        #expect(
            LocalTime.localeIdentifier(environment: ["LC_ALL": "en_GB.UTF-8", "LC_TIME": "en_US.UTF-8"]) == "en_GB")
        #expect(LocalTime.localeIdentifier(environment: ["LC_ALL": "", "LANG": "fr_FR@euro"]) == "fr_FR")
    }

    @Test func twelveOrTwentyFourHours() {
        #expect(LocalTime.current(environment: ["LANG": "en_US.UTF-8"]).format(hour: 14, minute: 5) == "2:05 PM")
        #expect(LocalTime.current(environment: ["LANG": "en_US.UTF-8"]).format(hour: 0, minute: 30) == "12:30 AM")
        #expect(LocalTime.current(environment: ["LANG": "en_US.UTF-8"]).format(hour: 12, minute: 0) == "12:00 PM")
        #expect(LocalTime.current(environment: ["LANG": "de_DE.UTF-8"]).format(hour: 14, minute: 5) == "14:05")
        #expect(LocalTime.current(environment: ["LANG": "en_GB.UTF-8"]).format(hour: 9, minute: 5) == "09:05")
        #expect(LocalTime.current(environment: ["LANG": "C.UTF-8"]).format(hour: 9, minute: 5) == "09:05")
        #expect(LocalTime.current(environment: [:]).format(hour: 23, minute: 59) == "23:59")
    }

    @Test func clockUsesTheConvention() {
        let clock = TimeInWords(
            now: fixedNow, timeZone: TimeZone(identifier: "America/New_York")!, localTime: .twelveHour)
        #expect(clock.time(at("2026-11-21T14:35:00.000Z")) == "9:35 AM")
        #expect(clock.moment(at("2026-11-22T01:00:00.000Z")) == "8:00 PM")
    }

    @Test func countdown() {
        #expect(TimeInWords.countdown(598) == "9:58")
        #expect(TimeInWords.countdown(59.2) == "1:00")
        #expect(TimeInWords.countdown(3723) == "1:02:03")
        #expect(TimeInWords.countdown(-5) == "0:00")
    }

    @Test func weeksBeginOnMonday() {
        let clock = TimeInWords(now: fixedNow, timeZone: utc)
        #expect(clock.day(clock.weekStart(at("2026-11-21T14:00:00.000Z"))) == "2026-11-16")  // a Saturday
        #expect(clock.day(clock.weekStart(at("2026-11-16T00:00:00.000Z"))) == "2026-11-16")  // the Monday itself
        #expect(clock.day(clock.weekStart(at("2026-11-22T23:59:00.000Z"))) == "2026-11-16")  // the Sunday
    }
}

/// `breather status` and `status --watch` with a frozen clock, against golden files.
@Suite struct StatusGoldenTests {
    let clock = TimeInWords(now: fixedNow, timeZone: utc)

    var running: StatusReport.BreakStatus {
        .init(
            id: "b1", plan: "cool-down",
            startedAt: at("2026-11-21T14:05:00.000Z"), checkinAt: at("2026-11-21T14:35:00.000Z"),
            extensions: 1,
            pending: [
                .init(offsetSeconds: -300, dueAt: at("2026-11-21T14:30:00.000Z"), to: ["desktop"]),
                .init(offsetSeconds: 0, dueAt: at("2026-11-21T14:35:00.000Z"), to: ["desktop"]),
                .init(offsetSeconds: 600, dueAt: at("2026-11-21T14:45:00.000Z"), to: ["alex"]),
            ],
            partner: "Alex", note: "the dishes talk"
        )
    }

    @Test func status() throws {
        let report = StatusReport(active: true, break: running, retrying: [])
        try Golden.check(StatusText.render(report, clock: clock), against: "status-running.txt")
        var twelve = clock
        twelve.localTime = .twelveHour
        try Golden.check(StatusText.render(report, clock: twelve), against: "status-running-12h.txt")
    }

    @Test func watchFrames() throws {
        var frames: [String] = []
        for (label, now) in [
            ("ten minutes before", fixedNow), ("two seconds later", fixedNow.addingTimeInterval(2)),
            ("past the reminder", at("2026-11-21T14:31:00.000Z")), ("after the time", at("2026-11-21T14:37:30.000Z")),
        ] {
            let moment = TimeInWords(now: now, timeZone: utc)
            frames.append("-- \(label): terminal, 80 columns")
            frames += WatchText.frame(running, clock: moment, columns: 80)
            frames.append("-- \(label): piped")
            frames.append(WatchText.plainLine(running, clock: moment))
        }
        try Golden.check(frames.joined(separator: "\n"), against: "status-watch.txt")
    }

    @Test func countdownMovesEverySecondOnTheTerminal() {
        let first = WatchText.frame(running, clock: TimeInWords(now: fixedNow, timeZone: utc))
        let next = WatchText.frame(running, clock: TimeInWords(now: fixedNow.addingTimeInterval(1), timeZone: utc))
        #expect(first[1].hasSuffix("10:00 left"))
        #expect(next[1].hasSuffix("9:59 left"))
        #expect(
            WatchText.plainLine(running, clock: TimeInWords(now: fixedNow, timeZone: utc)).dropFirst(5)
                == WatchText.plainLine(running, clock: TimeInWords(now: fixedNow.addingTimeInterval(1), timeZone: utc))
                .dropFirst(5))
    }

    @Test func narrowTerminalsGetShortLines() {
        for line in WatchText.frame(running, clock: clock, columns: 40) {
            #expect(line.count <= 40, "\(line)")
        }
    }

    @Test func progressBar() {
        #expect(
            WatchText.progressBar(
                running, clock: TimeInWords(now: at("2026-11-21T14:05:00.000Z"), timeZone: utc), width: 10)
                == "[░░░░░░░░░░]")
        #expect(
            WatchText.progressBar(
                running, clock: TimeInWords(now: at("2026-11-21T14:20:00.000Z"), timeZone: utc), width: 10)
                == "[█████░░░░░]")
        #expect(
            WatchText.progressBar(
                running, clock: TimeInWords(now: at("2026-11-21T15:20:00.000Z"), timeZone: utc), width: 10)
                == "[██████████]")
    }

    @Test func endings() {
        func record(_ outcome: HistoryRecord.Outcome, ended: String) -> HistoryRecord {
            HistoryRecord(
                breakId: "b1", plan: "cool-down", startedAt: at("2026-11-21T14:05:00.000Z"),
                promisedAt: at("2026-11-21T14:35:00.000Z"),
                checkinAt: at("2026-11-21T14:35:00.000Z"), endedAt: at(ended), outcome: outcome, extensions: 0,
                note: nil)
        }
        #expect(WatchText.ended(nil, clock: clock) == "The break has ended.")
        #expect(
            WatchText.ended(record(.back, ended: "2026-11-21T14:33:00.000Z"), clock: clock)
                == "You checked in at 14:33, on time. The break has ended.")
        #expect(
            WatchText.ended(record(.back, ended: "2026-11-21T14:39:00.000Z"), clock: clock)
                == "You checked in at 14:39. The break has ended.")
        #expect(
            WatchText.ended(record(.cancelled, ended: "2026-11-21T14:20:00.000Z"), clock: clock)
                == "The break was cancelled at 14:20.")
    }
}

/// The week-by-week chart of `breather history`.
@Suite struct HistoryChartTests {
    let clock = TimeInWords(now: fixedNow, timeZone: utc)

    func record(_ id: String, started: String, late: Bool = false, cancelled: Bool = false) -> HistoryRecord {
        let start = at(started)
        let checkin = start.addingTimeInterval(1800)
        return HistoryRecord(
            breakId: id, plan: "cool-down", startedAt: start, promisedAt: checkin, checkinAt: checkin,
            endedAt: checkin.addingTimeInterval(late ? 120 : -60), outcome: cancelled ? .cancelled : .back,
            extensions: 0, note: nil
        )
    }

    @Test func weeksWithAndWithoutBreaks() throws {
        let records = [
            record("a", started: "2026-11-03T10:00:00.000Z"),
            record("b", started: "2026-11-04T10:00:00.000Z"),
            record("c", started: "2026-11-05T10:00:00.000Z", late: true),
            record("d", started: "2026-11-17T10:00:00.000Z"),
            record("e", started: "2026-11-19T10:00:00.000Z", cancelled: true),
            record("f", started: "2026-11-20T10:00:00.000Z", late: true),
        ]
        #expect(
            HistoryChart.lines(records, clock: clock) == [
                "Week by week (█ back on time, ░ the other breaks):",
                "  week of 2026-11-02  ██░  3 breaks, 2 back on time",
                "  week of 2026-11-09       no breaks",
                "  week of 2026-11-16  █░░  3 breaks, 1 back on time",
            ])
    }

    @Test func words() {
        let monday = at("2026-11-16T00:00:00.000Z")
        #expect(HistoryChart.words(.init(start: monday, breaks: 1, onTime: 1)) == "1 break, back on time")
        #expect(HistoryChart.words(.init(start: monday, breaks: 2, onTime: 2)) == "2 breaks, all back on time")
        #expect(HistoryChart.words(.init(start: monday, breaks: 2, onTime: 0)) == "2 breaks")
    }

    @Test func atMostTwelveWeeksAndLongBarsScaled() {
        var records: [HistoryRecord] = []
        for index in 0..<60 {
            records.append(record("old\(index)", started: "2026-01-05T10:00:00.000Z"))
            records.append(
                record("new\(index)", started: "2026-11-18T10:\(String(format: "%02d", index % 60)):00.000Z"))
        }
        let lines = HistoryChart.lines(records, clock: clock)
        #expect(lines.count == 1 + HistoryChart.maximumWeeks)
        #expect(
            lines.last == "  week of 2026-11-16  " + String(repeating: "█", count: HistoryChart.maximumBar)
                + "  60 breaks, all back on time")
    }
}
