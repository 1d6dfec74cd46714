import Foundation
import Testing

@testable import BreatherCore

/// The clock is stepped by hand (NTP, a person, a dead RTC battery) and the time zone changes
/// (travel): nothing is skipped, nothing fires twice, and `{checkin_time}` is local time.
@Suite("Clock steps and time zones") struct ClockStepTests {
    let clock = ManualClock(BreakFixture.t0)

    @Test func aStepBackAfterAReminderWentOutDoesNotSendItAgain() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: clock.now())
        clock.set(BreakFixture.checkin.addingTimeInterval(-300))
        let first = machine.tick(now: clock.now())
        #expect(first.reminderAttempts.map(\.offsetSeconds) == [-300])
        machine.deliverAll(first, now: clock.now())

        clock.advance(by: -600)  // the clock is set back ten minutes
        #expect(machine.tick(now: clock.now()).reminderAttempts.isEmpty)
        clock.set(BreakFixture.checkin.addingTimeInterval(-300))
        #expect(machine.tick(now: clock.now()).reminderAttempts.isEmpty, "the -5m reminder already went out once")
    }

    @Test func aStepBackBeforeAReminderDelaysItToItsWallClockTime() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: clock.now())
        clock.set(BreakFixture.checkin.addingTimeInterval(-400))
        _ = machine.tick(now: clock.now())
        clock.advance(by: -3600)
        #expect(machine.tick(now: clock.now()).reminderAttempts.isEmpty)
        #expect(
            machine.nextWake() == BreakFixture.checkin.addingTimeInterval(-300 - machine.lead),
            "deadlines are wall-clock instants")
    }

    @Test func aStepForwardPastSeveralRemindersSendsEachOnceInOrder() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: clock.now())
        clock.set(BreakFixture.checkin.addingTimeInterval(20 * 60))  // past -5m, 0s and +10m
        let effects = machine.tick(now: clock.now())
        // The -5m reminder's check-in has passed: dropped, not sent as "5 minutes left".
        #expect(effects.reminderAttempts.map(\.offsetSeconds) == [0, 600])
        #expect(machine.status(ofReminder: 0) == .dropped)
        machine.deliverAll(effects, now: clock.now())
        clock.advance(by: 60)
        #expect(machine.tick(now: clock.now()).reminderAttempts.isEmpty)
    }

    @Test func theCheckinTimeIsShownInTheZoneInForce() throws {
        var machine = BreakFixture.machine()
        machine.values = MessageValues(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        let start = try machine.start(
            plan: BreakFixture.coolDown(), duration: nil, note: nil, now: BreakFixture.t0, breakId: "b1")
        #expect(start.attempts.first?.message == "I'll come find you at 15:30.")

        // Travel: the daemon picks up the new zone (on resume or reload); the next message
        // speaks local time there, and the promised instant is the same.
        machine.values = MessageValues(timeZone: TimeZone(identifier: "America/New_York")!)
        let extend = try machine.extend(by: .minutes(15), now: BreakFixture.at(60))
        #expect(
            extend.attempts.first { $0.event == .extend }?.message
                == "Sam needs a little more time. New check-in: 09:45.")
        #expect(machine.state.activeBreak?.checkinAt == BreakFixture.checkin.addingTimeInterval(900))
    }
}
