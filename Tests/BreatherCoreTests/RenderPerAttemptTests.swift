import Foundation
import Testing

@testable import BreatherCore

@Suite("BreakMachine: {late} and {minutes_left} per attempt")
struct RenderPerAttemptTests {
    @Test func aRetriedReminderSaysHowLateThisAttemptIs() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        // +10m to Alex falls due at 14:40 and fails; its retry comes 4 minutes later.
        let due = BreakFixture.checkin.addingTimeInterval(600)
        let first = machine.tick(now: due)
        let reminder = try #require(first.reminderAttempts.first { $0.channel == "alex" })
        #expect(reminder.message == "Sam hasn't forgotten you and is still calming down (on time).")
        _ = machine.fail(reminder.id, now: due, retryAfter: 240)
        let retry = machine.tick(now: due.addingTimeInterval(240))
        let again = try #require(retry.attempts.first { $0.id == reminder.id })
        #expect(again.message == "Sam hasn't forgotten you and is still calming down (4 minutes late).")
        #expect(again.isUrgent)
    }

    @Test func minutesLeftCountsDownOnARetry() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            try BreakFixture.reminder("-10m", ["alex"], "{minutes_left} minutes left ({late}).")
        ])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-600)
        let first = try #require(machine.tick(now: due).reminderAttempts.first)
        #expect(first.message == "10 minutes left (on time).")
        _ = machine.fail(first.id, now: due, retryAfter: 180)
        let again = try #require(machine.tick(now: due.addingTimeInterval(180)).attempts.first { $0.id == first.id })
        #expect(again.message == "7 minutes left (3 minutes late).")
    }

    @Test func lateInBackIsTheCheckInsLatenessOnEveryAttempt() throws {
        let plan = try Plan(
            name: "cool-down", duration: .minutes(30), announce: nil, reminders: [],
            back: Plan.Message(to: ["alex"], template: Template("{me} is back ({late})."))
        )
        var (machine, _) = try BreakFixture.started(plan)
        let ended = BreakFixture.checkin.addingTimeInterval(25 * 60)
        let effects = try machine.back(now: ended)
        let back = try #require(effects.attempts.first { $0.event == .back })
        #expect(back.message == "Sam is back (25 minutes late).")
        _ = machine.fail(back.id, now: ended, retryAfter: 600)
        let again = try #require(machine.tick(now: ended.addingTimeInterval(600)).attempts.first { $0.id == back.id })
        #expect(again.message == "Sam is back (25 minutes late).")
    }

    @Test func backOnTimeSaysOnTime() throws {
        let plan = try Plan(
            name: "cool-down", duration: .minutes(30), announce: nil, reminders: [],
            back: Plan.Message(to: ["alex"], template: Template("{me} is back ({late}, {minutes_left} to spare)."))
        )
        var (machine, _) = try BreakFixture.started(plan)
        let effects = try machine.back(now: BreakFixture.checkin.addingTimeInterval(-120))
        #expect(effects.attempts.first?.message == "Sam is back (on time, 2 to spare).")
    }

    @Test func theTemplateAndFixedValuesSurviveTheStateFile() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(600)
        let reminder = try #require(machine.tick(now: due).reminderAttempts.first { $0.channel == "alex" })
        _ = machine.fail(reminder.id, now: due, retryAfter: 120)
        var restarted = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        let again = try #require(
            restarted.tick(now: due.addingTimeInterval(120)).attempts.first { $0.id == reminder.id })
        #expect(again.message == "Sam hasn't forgotten you and is still calming down (2 minutes late).")
    }
}

@Suite("BreakMachine: records held in the state until written")
struct HeldRecordsTests {
    @Test func backHoldsItsHistoryAndJournalLinesUntilWritten() throws {
        var (machine, _) = try BreakFixture.started()
        let effects = try machine.back(now: BreakFixture.at(600))
        machine.holdRecords(of: effects)
        let held = try #require(BreakFixture.roundTrip(machine.state).unwritten)
        #expect(held.history.map(\.breakId) == ["b1"])
        #expect(held.history.first?.outcome == .back)
        #expect(held.journal.contains { $0.message.hasPrefix("Checked back in") })
        machine.recordsWritten()
        #expect(machine.state.unwritten == nil)
    }

    @Test func aDroppedReminderIsHeldForTheJournal() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        // The daemon was down from before -5m until after the check-in.
        let effects = machine.tick(now: BreakFixture.checkin.addingTimeInterval(5))
        machine.holdRecords(of: effects)
        let held = try #require(machine.state.unwritten)
        #expect(held.journal.contains { $0.message.contains("is dropped, since it would now mislead") })
        #expect(held.journal.first { $0.message.contains("dropped") }?.level == .warning)
    }

    @Test func aChangeWithoutRecordsHoldsNothing() throws {
        var (machine, _) = try BreakFixture.started()
        machine.holdRecords(of: [])
        #expect(machine.state.unwritten == nil)
        // A state file from before this field reads as holding nothing.
        let old = #"{"version":1,"outbox":[]}"#
        let state = try BreatherJSON.decoder().decode(BreatherState.self, from: Data(old.utf8))
        #expect(state.unwritten == nil)
    }
}

@Suite("BreakMachine: review findings")
struct ReviewFindingTests {
    @Test func aHistoryLineThatCouldNotBeWrittenStaysHeld() throws {
        var (machine, _) = try BreakFixture.started()
        let back = try machine.apply(.back, now: BreakFixture.at(600))
        machine.recordsWritten(except: back.records.history)
        #expect(machine.state.unwritten?.history.map(\.breakId) == ["b1"])
        #expect(machine.state.unwritten?.journal == [])
        // The next change adds its own records to the one still held.
        var (other, _) = try BreakFixture.started()
        other.recordsWritten(except: back.records.history)
        let next = try other.apply(.cancel, now: BreakFixture.at(700))
        #expect(other.state.unwritten?.history.count == 2)
        #expect(next.records.history.count == 1)
    }

    @Test func aNotificationShownForABreakThatEndedIsClosedAgain() throws {
        let plan = try BreakFixture.coolDown(announceTo: ["desktop"])
        var (machine, start) = try BreakFixture.started(plan)
        let announce = try #require(start.attempts.first)
        _ = try machine.apply(.cancel, now: BreakFixture.at(5))
        let shown = ShownNotification(id: 9, server: "b/:1.3")
        let result = machine.record(
            deliveryId: announce.id, result: .delivered(detail: "notification 9"), shown: shown,
            now: BreakFixture.at(6), jitter: 0.5)
        #expect(result.closeNotification == shown)
    }

    @Test func aSupersededNotificationIsClosed() throws {
        var (machine, _) = try BreakFixture.started(try BreakFixture.coolDown(announceTo: ["desktop"]))
        let first = ShownNotification(id: 1, server: "b/:1.3")
        machine.notificationShown(first, text: "a", urgent: false, breakId: BreakFixture.breakId)
        let reminders = machine.advance(now: BreakFixture.checkin.addingTimeInterval(-300))
        let desktop = try #require(reminders.attempts.first { $0.channel == "desktop" })
        let second = ShownNotification(id: 2, server: "b/:1.3")
        let result = machine.record(
            deliveryId: desktop.id, result: .delivered(detail: "n"), shown: second, now: BreakFixture.checkin,
            jitter: 0.5)
        #expect(result.closeNotification == first)
        #expect(machine.state.activeBreak?.shownNotification == second)
    }

    @Test func aReminderCopyOnItsWayDuringAnExtendIsNotRetried() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(600)
        let copy = try #require(machine.advance(now: due).attempts.first { $0.channel == "alex" })
        _ = try machine.apply(.extend(.minutes(15)), now: due.addingTimeInterval(1))
        let failed = machine.record(
            deliveryId: copy.id, result: .failed(reason: "HTTP 503.", retryable: true, retryAfter: nil), shown: nil,
            now: due.addingTimeInterval(2), jitter: 0.5)
        #expect(!machine.state.outbox.contains { $0.id == copy.id })
        #expect(failed.records.journal.contains { $0.message.contains("the check-in has moved") })
    }
}
