import Foundation
import Testing

@testable import BreatherCore

/// A daemon that was down (suspend, restart, `kill -9`, reboot) builds its machine from the
/// saved state and ticks at a later `now`.
@Suite("BreakMachine: restore after downtime")
struct RestoreTests {
    /// The state saved right after the start (announce delivered), as the restarted daemon reads it.
    func savedAfterStart() throws -> BreatherState {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        return try BreakFixture.roundTrip(machine.state)
    }

    @Test func theSavedStateSurvivesTheStateFilesCodersUnchanged() throws {
        var (machine, start) = try BreakFixture.started(note: "a walk")
        _ = machine.fail(start.attempts[0].id, now: BreakFixture.at(1))
        let saved = machine.state
        #expect(try BreakFixture.roundTrip(saved) == saved)
        #expect(try BreakFixture.roundTrip(saved).activeBreak?.checkinAt == BreakFixture.checkin)
    }

    @Test func overdueRemindersFireMarkedLateWithTheirDueTimesUnchanged() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        let now = BreakFixture.checkin.addingTimeInterval(12 * 60)
        let effects = machine.tick(now: now)
        let byIndex = Dictionary(uniqueKeysWithValues: effects.reminderAttempts.map { ($0.reminderIndex!, $0) })

        let atCheckin = try #require(byIndex[1])
        #expect(atCheckin.dueAt == BreakFixture.checkin)
        #expect(atCheckin.offsetSeconds == 0)
        #expect(atCheckin.createdAt == now)
        #expect(atCheckin.message == "Time to check in with Alex, as you promised (12 minutes late).")
        #expect(atCheckin.isUrgent)

        let after = try #require(byIndex[2])
        #expect(after.dueAt == BreakFixture.checkin.addingTimeInterval(600))
        #expect(after.offsetSeconds == 600)
        #expect(after.channel == "alex")
        #expect(after.message == "Sam hasn't forgotten you and is still calming down (2 minutes late).")

        #expect(effects.reminderAttempts.map(\.reminderIndex) == [1, 2], "in the order of their times")
        #expect(machine.status(ofReminder: 1) == .sent)
        #expect(machine.status(ofReminder: 2) == .sent)
    }

    @Test func aBeforeReminderWhoseCheckinAlsoPassedIsDroppedAndLogged() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        let effects = machine.tick(now: BreakFixture.checkin.addingTimeInterval(60))
        #expect(machine.status(ofReminder: 0) == .dropped)
        #expect(!effects.attempts.contains { $0.reminderIndex == 0 })
        #expect(!machine.state.outbox.contains { $0.reminderIndex == 0 })
        let warning = try #require(effects.logs.first { $0.fields["offset_seconds"] == "-300" })
        #expect(warning.level == .warning)
        #expect(warning.message.contains("-5m"))
        #expect(warning.message.contains("dropped"))
        #expect(warning.fields["break_id"] == "b1")
        #expect(warning.fields["plan"] == "cool-down")
        // The at-check-in reminder still goes out, one minute late.
        #expect(effects.reminderAttempts.map(\.reminderIndex) == [1])
        #expect(
            effects.reminderAttempts.first?.message == "Time to check in with Alex, as you promised (1 minute late).")
    }

    @Test func aBeforeReminderIsDroppedExactlyAtTheCheckin() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        let effects = machine.tick(now: BreakFixture.checkin)
        #expect(machine.status(ofReminder: 0) == .dropped)
        #expect(effects.reminderAttempts.map(\.reminderIndex) == [1])
        #expect(effects.reminderAttempts.first?.message == "Time to check in with Alex, as you promised (on time).")
    }

    @Test func aBeforeReminderStillBeforeTheCheckinGoesOutLate() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        let now = BreakFixture.checkin.addingTimeInterval(-180)
        let effects = machine.tick(now: now)
        let delivery = try #require(effects.reminderAttempts.first)
        #expect(effects.reminderAttempts.count == 1)
        #expect(delivery.dueAt == BreakFixture.checkin.addingTimeInterval(-300))
        #expect(delivery.offsetSeconds == -300)
        #expect(delivery.message == "3 minutes until you promised to check in with Alex (2 minutes late).")
    }

    @Test func secondsLateAreSaidInSeconds() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        let effects = machine.tick(now: BreakFixture.checkin.addingTimeInterval(40))
        #expect(
            effects.reminderAttempts.first?.message == "Time to check in with Alex, as you promised (40 seconds late).")
    }

    @Test func anAfterReminderPastDueStillFiresAfterALongOutage() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        // Down for hours: +10m still goes out (the break is still running).
        let now = BreakFixture.checkin.addingTimeInterval(3 * 3600)
        let effects = machine.tick(now: now)
        let after = try #require(effects.reminderAttempts.first { $0.reminderIndex == 2 })
        #expect(after.dueAt == BreakFixture.checkin.addingTimeInterval(600))
        #expect(after.message == "Sam hasn't forgotten you and is still calming down (2 hours 50 minutes late).")
    }

    @Test func theRestartedDaemonsFirstTickFiresEachReminderOnce() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        let now = BreakFixture.checkin.addingTimeInterval(12 * 60)
        let first = machine.tick(now: now)
        #expect(first.reminderAttempts.count == 2)
        // Saved, crashed again before any result, restored: the same deliveries, the same ids; no new ones.
        var again = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        let second = again.tick(now: now.addingTimeInterval(5))
        #expect(second.attempts.map(\.id) == first.attempts.map(\.id))
        #expect(second.attempts.map(\.message) == first.attempts.map(\.message))
    }

    @Test func aDeliveryInFlightAtTheCrashIsAttemptedAgainWithTheSameId() throws {
        let (machine, start) = try BreakFixture.started()
        #expect(machine.inFlight == ["b1-announce-alex"])
        var restarted = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        #expect(restarted.inFlight.isEmpty)
        let effects = restarted.tick(now: BreakFixture.at(20))
        // The same delivery, rendered again for this attempt (its text has no {late}).
        #expect(effects.attempts.map(\.id) == start.attempts.map(\.id))
        #expect(effects.attempts.map(\.message) == start.attempts.map(\.message))
        #expect(effects.attempts.map(\.renderedAt) == [BreakFixture.at(20)])
    }

    @Test func aRetryWaitingAtTheCrashKeepsItsScheduleAndAttempts() throws {
        var (machine, _) = try BreakFixture.started()
        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(1), retryAfter: 120)
        var restarted = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        #expect(restarted.nextWake() == BreakFixture.at(121))
        #expect(restarted.tick(now: BreakFixture.at(120)).attempts.isEmpty)
        let retry = restarted.tick(now: BreakFixture.at(121))
        #expect(retry.attempts.map(\.id) == ["b1-announce-alex"])
        #expect(retry.attempts.first?.attempts == 1)
        #expect(retry.attempts.first?.lastError == "The receiver answered HTTP 503.")
        _ = restarted.fail("b1-announce-alex", now: BreakFixture.at(121))
        #expect(restarted.state.outbox.first?.attempts == 2)
        #expect(
            restarted.state.outbox.first?.nextAttemptAt == BreakFixture.at(123), "backoff continues across the restart")
    }

    @Test func aFailingBeforeReminderSavedBeforeTheCheckinIsDroppedAfterIt() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        _ = machine.fail("b1-r0.1-desktop", now: due)
        var restarted = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        let effects = restarted.tick(now: BreakFixture.checkin.addingTimeInterval(30))
        #expect(!effects.attempts.contains { $0.id == "b1-r0.1-desktop" })
        #expect(!restarted.outboxIds().contains("b1-r0.1-desktop"))
        #expect(effects.logs.contains { $0.level == .warning && $0.fields["delivery_id"] == "b1-r0.1-desktop" })
    }

    /// A reminder is queued `lead` seconds ahead, rendered as of its due time. If the daemon
    /// stops inside those seconds and comes back after the due time, the saved delivery goes
    /// out with its text saying "on time": the spec wants a reminder whose time passed while
    /// the daemon was down marked late in `{late}` as well as in `late_seconds`.
    @Test func aReminderQueuedAheadThenDownAcrossItsTimeIsMarkedLate() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let before = machine.tick(now: BreakFixture.checkin.addingTimeInterval(-300))
        machine.deliverAll(before, now: BreakFixture.checkin.addingTimeInterval(-300))
        _ = machine.tick(now: BreakFixture.checkin.addingTimeInterval(-1))
        #expect(machine.outboxIds() == ["b1-r1.1-desktop"])
        // Saved, then down from one second before the check-in to ten minutes after it.
        var restarted = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        let effects = restarted.tick(now: BreakFixture.checkin.addingTimeInterval(600))
        let delivery = try #require(effects.reminderAttempts.first { $0.reminderIndex == 1 })
        #expect(delivery.dueAt == BreakFixture.checkin)
        do {
            #expect(delivery.message == "Time to check in with Alex, as you promised (10 minutes late).")
        }
    }

    /// The doc of `Date.wholeMilliseconds` says deadlines are cut to whole milliseconds when
    /// made so that they are identical across a restart. `tick(now:)` does not cut `now`, so
    /// a reminder's `createdAt`, `expiresAt` and `nextAttemptAt` hold sub-millisecond parts
    /// that the state file cannot: the daemon's memory and its saved state differ.
    @Test func aTickAtASubMillisecondInstantSavesWhatItKeeps() throws {
        var machine = BreakFixture.machine(try savedAfterStart())
        _ = machine.tick(now: BreakFixture.checkin.addingTimeInterval(0.000_4))
        let restored = try BreakFixture.roundTrip(machine.state)
        do {
            #expect(restored == machine.state)
        }
        for (kept, saved) in zip(machine.state.outbox, restored.outbox) {
            #expect(abs(kept.expiresAt.timeIntervalSince(saved.expiresAt)) < 0.001)
            #expect(kept.dueAt == saved.dueAt, "due times are whole milliseconds")
        }
    }
}
