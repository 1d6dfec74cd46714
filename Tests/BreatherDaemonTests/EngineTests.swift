import BreatherCore
import Foundation
import Testing

@testable import BreatherDaemon

/// The executor: one transition, one save, then the acts — with a manual clock and a
/// transport that answers when told.
@Suite(.serialized)
struct EngineTests {
    static func plan() throws -> Plan {
        try Plan(
            name: "cool-down", duration: .minutes(30),
            announce: Plan.Message(to: ["alex"], template: Template("Back at {checkin_time}.")),
            reminders: [
                Plan.Reminder(
                    offset: .minutes(-5), to: ["desktop"], template: Template("{minutes_left} minutes left.")),
                Plan.Reminder(
                    offset: Span(seconds: 0), to: ["desktop"], template: Template("Time to check in ({late}).")),
            ],
            back: Plan.Message(to: ["alex"], template: Template("{me} is back ({late})."))
        )
    }

    @Test func startIsSavedBeforeItsAnnouncementGoesOutAndRepliesInWords() throws {
        let harness = try EngineHarness(plan: Self.plan())
        let reply = harness.request(ControlRequest(op: .start))
        #expect(reply.ok)
        #expect(
            reply.message == "Break started: check in with Alex at 14:30, in 30 minutes. Announcement queued for alex.")
        let announce = try #require(harness.transport.sent.first)
        #expect(announce.delivery.event == .announce)
        #expect(announce.delivery.message == "Back at 14:30.")
        #expect(announce.savedBeforeSend, "the announcement went out before the break was on disk")
        #expect(harness.savedState?.activeBreak?.plan.name == "cool-down")
        #expect(harness.savedState?.outbox.map(\.id) == [announce.delivery.id])
        #expect(harness.journal.all.contains { $0.hasPrefix("notice: Break started with plan cool-down") })
        // The timer is armed for the first reminder, queued ahead of its time.
        #expect(harness.timer.armedAt == EngineHarness.t0.addingTimeInterval(25 * 60 - 2))
    }

    @Test func aResultAndTheNotificationItShowedAreOneChange() throws {
        let harness = try EngineHarness(plan: Self.plan())
        _ = harness.request(ControlRequest(op: .start))
        harness.transport.sent[0].completion(.delivered(detail: "HTTP 200"), nil)
        harness.advance(to: 25 * 60)
        let reminder = try #require(harness.transport.sent.last)
        #expect(reminder.delivery.message == "5 minutes left.")
        #expect(reminder.replacing == nil)
        let shown = ShownNotification(id: 7, server: "bus/:1.9")
        reminder.completion(.delivered(detail: "notification 7"), shown)
        harness.settle()
        let saved = try #require(harness.savedState)
        #expect(saved.outbox.isEmpty)
        #expect(saved.activeBreak?.shownNotification == shown)
        #expect(saved.activeBreak?.notificationText == "5 minutes left.")

        // The next desktop message replaces it in place.
        harness.advance(to: 30 * 60)
        #expect(harness.transport.sent.last?.replacing == shown)
        #expect(harness.transport.sent.last?.delivery.isUrgent == true)
    }

    @Test func backRecordsTheHistoryClosesTheNotificationAndSaysHowLate() throws {
        let harness = try EngineHarness(plan: Self.plan())
        _ = harness.request(ControlRequest(op: .start))
        harness.advance(to: 25 * 60)
        let shown = ShownNotification(id: 3, server: "bus/:1.4")
        harness.transport.sent.last!.completion(.delivered(detail: "notification 3"), shown)
        harness.settle()

        harness.clock.set(EngineHarness.t0.addingTimeInterval(42 * 60))
        let reply = harness.request(ControlRequest(op: .back))
        #expect(
            reply.message
                == "Welcome back: you checked in 12 minutes late, after the promised 14:30. Alex is told through alex.")
        #expect(harness.history.map(\.outcome) == [.back])
        #expect(harness.transport.closed == [shown])
        #expect(harness.transport.sent.last?.delivery.message == "Sam is back (12 minutes late).")
        #expect(harness.journal.all.contains { $0.hasPrefix("notice: Checked back in") })
        // Written, the records leave the state file at the next save.
        harness.settle()
        #expect(harness.savedState?.unwritten == nil)
    }

    @Test func aRefusedCommandChangesNothingAndSaysSo() throws {
        let harness = try EngineHarness(plan: Self.plan())
        // A folder where the temporary file must go: the save cannot happen.
        try FileManager.default.createDirectory(
            atPath: harness.paths.stateFile + ".tmp", withIntermediateDirectories: true)
        let reply = harness.request(ControlRequest(op: .start))
        #expect(!reply.ok)
        #expect(reply.error?.code == .stateNotSaved)
        #expect(reply.error?.message.hasPrefix("The change could not be saved (") == true)
        #expect(harness.transport.sent.isEmpty)
        let status = harness.request(ControlRequest(op: .status))
        #expect(status.status?.active == false)
    }

    @Test func recordsSavedButNotWrittenAreWrittenAtTheNextStart() throws {
        let harness = try EngineHarness(plan: Self.plan())
        _ = harness.request(ControlRequest(op: .start))
        harness.settle()
        // As if the last run was killed right after saving its `back`.
        var state = try #require(harness.savedState)
        var machine = BreakMachine(state: state, settings: Settings(me: "Sam", partner: "Alex"))
        _ = try machine.apply(.back, now: EngineHarness.t0.addingTimeInterval(600))
        state = machine.state
        try StateStore(path: harness.paths.stateFile).save(state)

        harness.restart()
        #expect(harness.history.map(\.outcome) == [.back])
        #expect(
            harness.journal.all.contains {
                $0.contains("Checked back in") && $0.hasSuffix("(recorded after a restart)")
            })
        harness.settle()
        #expect(harness.savedState?.unwritten == nil)
        #expect(harness.request(ControlRequest(op: .status)).status?.active == false)
    }

    @Test func requestsThatAreNotCommandsAreAnsweredWithoutAChange() throws {
        let harness = try EngineHarness(plan: Self.plan())
        #expect(harness.request(ControlRequest(op: .ping)).message == "breatherd is running.")
        #expect(harness.request(ControlRequest(op: .back)).error?.code == .noBreak)
        #expect(
            harness.request(ControlRequest(op: .extend, duration: "soon")).error?.message
                == "\"soon\" is not a duration; write it like 10m, 90s or 1h.")
        #expect(harness.request(ControlRequest(op: .start, plan: "nope")).error?.code == .unknownPlan)
        #expect(harness.savedState == nil)
    }
}
