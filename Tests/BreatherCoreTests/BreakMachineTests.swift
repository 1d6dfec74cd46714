import Foundation
import Testing

@testable import BreatherCore

// MARK: - Fixtures shared by the core tests

/// A manual clock: every test names its instants relative to `t0`; nothing reads the real time.
enum BreakFixture {
    /// 2026-11-21T14:00:00.000Z
    static let t0 = Date(timeIntervalSince1970: 1_795_269_600)
    static let breakId = "b1"

    /// `t0` plus `seconds`, made from whole milliseconds since the epoch, so that it is the
    /// very `Date` that `wholeMilliseconds` and the state file's coders produce.
    static func at(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: Double(1_795_269_600_000 + Int64((seconds * 1000).rounded())) / 1000)
    }

    /// The check-in of a 30-minute break started at `t0`.
    static let checkin = at(30 * 60)

    static let utc = MessageValues(timeZone: TimeZone(identifier: "UTC")!)

    static func settings(alexRetryWindow: Span = Channel.defaultRetryWindow) -> Settings {
        Settings(
            me: "Sam", partner: "Alex", defaultPlan: "cool-down",
            channels: [
                "alex": Channel(
                    name: "alex", kind: .webhook,
                    webhook: Webhook(url: "https://hooks.example.org/alex", retryWindow: alexRetryWindow)),
                "desktop": Channel(name: "desktop", kind: .desktop),
            ]
        )
    }

    /// The plan of the spec: announce to Alex; -5m and 0s to the desktop; +10m to Alex; back; extend.
    static func coolDown(
        announceTo: [String] = ["alex"],
        reminders: [Plan.Reminder]? = nil,
        cancel: Plan.Message? = nil
    ) throws -> Plan {
        try Plan(
            name: "cool-down",
            duration: .minutes(30),
            announce: Plan.Message(to: announceTo, template: Template("I'll come find you at {checkin_time}.")),
            reminders: reminders ?? standardReminders(),
            back: Plan.Message(to: ["alex"], template: Template("{me} is back and ready to talk.")),
            extend: Plan.Message(
                to: ["alex"], template: Template("{me} needs a little more time. New check-in: {checkin_time}.")),
            cancel: cancel
        )
    }

    static func standardReminders() throws -> [Plan.Reminder] {
        [
            try reminder(
                "-5m", ["desktop"], "{minutes_left} minutes until you promised to check in with {partner} ({late})."),
            try reminder("0s", ["desktop"], "Time to check in with {partner}, as you promised ({late})."),
            try reminder("+10m", ["alex"], "{me} hasn't forgotten you and is still calming down ({late})."),
        ]
    }

    static func reminder(_ offset: String, _ to: [String], _ text: String) throws -> Plan.Reminder {
        Plan.Reminder(offset: Span(offset: offset)!, to: to, template: try Template(text))
    }

    static func machine(_ state: BreatherState = BreatherState(), alexRetryWindow: Span = Channel.defaultRetryWindow)
        -> BreakMachine
    {
        BreakMachine(state: state, settings: settings(alexRetryWindow: alexRetryWindow), values: utc)
    }

    /// A machine with the cool-down break started at `t0`.
    static func started(
        _ plan: Plan? = nil, duration: Span? = nil, note: String? = nil,
        alexRetryWindow: Span = Channel.defaultRetryWindow
    ) throws -> (BreakMachine, [Effect]) {
        var machine = machine(alexRetryWindow: alexRetryWindow)
        let effects = try machine.start(
            plan: plan ?? coolDown(), duration: duration, note: note, now: t0, breakId: breakId)
        return (machine, effects)
    }

    /// The state as a restarted daemon reads it: through the JSON coders of the state file.
    static func roundTrip(_ state: BreatherState) throws -> BreatherState {
        let data = try BreatherJSON.encoder().encode(state)
        return try BreatherJSON.decoder().decode(BreatherState.self, from: data)
    }
}

extension Array where Element == Effect {
    var attempts: [Delivery] {
        compactMap { if case .attempt(let delivery) = $0 { delivery } else { nil } }
    }

    var logs: [LogEntry] {
        compactMap { if case .log(let entry) = $0 { entry } else { nil } }
    }

    var histories: [HistoryRecord] {
        compactMap { if case .recordHistory(let record) = $0 { record } else { nil } }
    }

    var reminderAttempts: [Delivery] { attempts.filter { $0.event == .reminder } }
}

extension BreakMachine {
    func status(ofReminder index: Int) -> Break.ReminderState.Status? {
        state.activeBreak?.reminders.first { $0.index == index }?.status
    }

    func outboxIds() -> [String] { state.outbox.map(\.id) }

    /// Reports every attempt of `effects` as delivered.
    mutating func deliverAll(_ effects: [Effect], now: Date) {
        for delivery in effects.attempts {
            _ = finished(deliveryId: delivery.id, result: .delivered(detail: "HTTP 200"), now: now, jitter: 0.5)
        }
    }

    mutating func fail(_ id: String, now: Date, retryable: Bool = true, retryAfter: Double? = nil, jitter: Double = 0.5)
        -> [Effect]
    {
        finished(
            deliveryId: id,
            result: .failed(reason: "The receiver answered HTTP 503.", retryable: retryable, retryAfter: retryAfter),
            now: now, jitter: jitter)
    }
}

/// Runs `body`, which must throw a `ControlError`, and returns it.
func thrownControlError(_ body: () throws(ControlError) -> Void, sourceLocation: SourceLocation = #_sourceLocation)
    -> ControlError?
{
    do {
        try body()
        Issue.record("expected a ControlError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

// MARK: - start

@Suite("BreakMachine: start")
struct StartTests {
    @Test func savesTheBreakWithTheCheckinAfterThePlansDuration() throws {
        let (machine, _) = try BreakFixture.started(note: "a walk")
        let brk = try #require(machine.state.activeBreak)
        #expect(brk.id == "b1")
        #expect(brk.plan.name == "cool-down")
        #expect(brk.me == "Sam")
        #expect(brk.partner == "Alex")
        #expect(brk.startedAt == BreakFixture.t0)
        #expect(brk.checkinAt == BreakFixture.checkin)
        #expect(brk.promisedAt == BreakFixture.checkin)
        #expect(brk.extensions == 0)
        #expect(brk.note == "a walk")
        #expect(brk.reminders.map(\.status) == [.pending, .pending, .pending])
        #expect(brk.reminders.map(\.sentCount) == [0, 0, 0])
    }

    @Test func forOverridesThePlansDuration() throws {
        let (machine, _) = try BreakFixture.started(duration: .minutes(45))
        let brk = try #require(machine.state.activeBreak)
        #expect(brk.checkinAt == BreakFixture.at(45 * 60))
        #expect(brk.promisedAt == BreakFixture.at(45 * 60))
        #expect(brk.dueDate(ofReminder: 0) == BreakFixture.at(40 * 60))
    }

    @Test func startCutsNowToWholeMilliseconds() throws {
        var machine = BreakFixture.machine()
        _ = try machine.start(
            plan: BreakFixture.coolDown(), duration: nil, note: nil, now: BreakFixture.t0.addingTimeInterval(0.0127),
            breakId: "b1")
        let brk = try #require(machine.state.activeBreak)
        #expect(brk.startedAt == BreakFixture.at(0.012))
        #expect(Timestamp.format(brk.startedAt) == "2026-11-21T14:00:00.012Z")
        #expect(Timestamp.format(brk.checkinAt) == "2026-11-21T14:30:00.012Z")
        #expect(brk.checkinAt == brk.checkinAt.wholeMilliseconds)
    }

    @Test func announceIsQueuedOncePerChannelAndAttemptedAtOnce() throws {
        let (machine, effects) = try BreakFixture.started(BreakFixture.coolDown(announceTo: ["alex", "desktop"]))
        #expect(machine.outboxIds() == ["b1-announce-alex", "b1-announce-desktop"])
        #expect(effects.attempts.map(\.id) == ["b1-announce-alex", "b1-announce-desktop"])
        #expect(effects.attempts == machine.state.outbox)
        #expect(machine.inFlight == ["b1-announce-alex", "b1-announce-desktop"])
        for delivery in effects.attempts {
            #expect(delivery.event == .announce)
            #expect(delivery.breakId == "b1")
            #expect(delivery.plan == "cool-down")
            #expect(delivery.message == "I'll come find you at 14:30.")
            #expect(delivery.checkinAt == BreakFixture.checkin)
            #expect(delivery.dueAt == BreakFixture.t0)
            #expect(delivery.offsetSeconds == nil)
            #expect(delivery.reminderIndex == nil)
            #expect(delivery.attempts == 0)
            #expect(delivery.createdAt == BreakFixture.t0)
            #expect(delivery.nextAttemptAt == BreakFixture.t0)
            #expect(delivery.expiresAt == BreakFixture.at(24 * 3600))
        }
        #expect(effects.reminderAttempts.isEmpty)
        #expect(
            effects.logs.contains {
                $0.level == .notice && $0.fields["event"] == "start" && $0.fields["break_id"] == "b1"
            })
    }

    @Test func announceOfAPlanWithoutOneIsNothing() throws {
        var plan = try BreakFixture.coolDown()
        plan.announce = nil
        let (machine, effects) = try BreakFixture.started(plan)
        #expect(effects.attempts.isEmpty)
        #expect(machine.state.outbox.isEmpty)
        #expect(machine.state.activeBreak != nil)
    }

    @Test func everyTemplateVariableIsRendered() throws {
        var plan = try BreakFixture.coolDown()
        plan.announce = Plan.Message(
            to: ["alex"],
            template: try Template("{me}|{partner}|{plan}|{checkin_time}|{minutes_left}|{duration}|{note}|{late}|{{x}}")
        )
        let (_, effects) = try BreakFixture.started(plan, duration: Span(seconds: 90 * 60), note: "gone for a walk")
        #expect(
            effects.attempts.map(\.message) == [
                "Sam|Alex|cool-down|15:30|90|1 hour 30 minutes|gone for a walk|on time|{x}"
            ])
    }

    @Test func aMissingNoteRendersEmpty() throws {
        var plan = try BreakFixture.coolDown()
        plan.announce = Plan.Message(to: ["alex"], template: try Template("[{note}]"))
        let (_, effects) = try BreakFixture.started(plan)
        #expect(effects.attempts.map(\.message) == ["[]"])
    }

    @Test func checkinTimeIsLocalToTheGivenTimeZone() throws {
        var machine = BreakMachine(
            state: BreatherState(), settings: BreakFixture.settings(),
            values: MessageValues(timeZone: TimeZone(identifier: "Europe/Berlin")!))
        let effects = try machine.start(
            plan: BreakFixture.coolDown(), duration: nil, note: nil, now: BreakFixture.t0, breakId: "b1")
        // 14:30 UTC is 15:30 in Berlin in November (CET, +01:00).
        #expect(effects.attempts.map(\.message) == ["I'll come find you at 15:30."])
    }

    @Test func aSecondStartThrowsBreakRunningAndNamesTheRunningPlan() throws {
        var (machine, _) = try BreakFixture.started()
        let before = machine.state
        var other = try BreakFixture.coolDown()
        other.name = "long-walk"
        let error = thrownControlError { () throws(ControlError) in
            _ = try machine.start(plan: other, duration: nil, note: nil, now: BreakFixture.at(60), breakId: "b2")
        }
        #expect(error?.code == .breakRunning)
        #expect(error?.message.contains("\"cool-down\"") == true)
        #expect(error?.message.contains("14:30") == true)
        #expect(machine.state == before, "a refused start changes nothing")
    }

    @Test func aReminderThatFallsBeforeTheStartIsSkipped() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("-45m", ["desktop"], "{minutes_left} minutes left."),
            BreakFixture.reminder("-5m", ["desktop"], "{minutes_left} minutes left."),
        ])
        var (machine, effects) = try BreakFixture.started(plan)
        #expect(machine.status(ofReminder: 0) == .skipped)
        #expect(machine.status(ofReminder: 1) == .pending)
        #expect(effects.logs.contains { $0.message.contains("-45m") && $0.message.contains("skipped") })
        // It never fires, whatever the time.
        var all: [Effect] = []
        for seconds in stride(from: 0.0, through: 3600, by: 60) {
            let now = BreakFixture.at(seconds)
            let tick = machine.tick(now: now)
            machine.deliverAll(tick, now: now)
            all += tick
        }
        #expect(all.reminderAttempts.compactMap(\.reminderIndex) == [1])
        #expect(machine.nextWake() == nil)
    }

    @Test func aReminderDueExactlyAtTheStartGoesOutAtOnce() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("-30m", ["desktop"], "{minutes_left} minutes left.")
        ])
        let (machine, effects) = try BreakFixture.started(plan)
        #expect(machine.status(ofReminder: 0) == .sent)
        #expect(effects.reminderAttempts.map(\.message) == ["30 minutes left."])
    }

    @Test func aStartAfterTheBreakEndedWorks() throws {
        var (machine, _) = try BreakFixture.started()
        _ = try machine.back(now: BreakFixture.at(600))
        let effects = try machine.start(
            plan: BreakFixture.coolDown(), duration: nil, note: nil, now: BreakFixture.at(700), breakId: "b2")
        #expect(machine.state.activeBreak?.id == "b2")
        #expect(effects.attempts.map(\.id).contains("b2-announce-alex"))
    }
}

// MARK: - tick and nextWake

@Suite("BreakMachine: tick")
struct TickTests {
    @Test func nothingHappensBeforeAReminderIsWithinTheLead() throws {
        var (machine, _) = try BreakFixture.started()
        #expect(machine.lead == 2)
        let effects = machine.tick(now: BreakFixture.checkin.addingTimeInterval(-300 - machine.lead - 0.001))
        #expect(effects.isEmpty)
        #expect(machine.state.activeBreak?.reminders.map(\.status) == [.pending, .pending, .pending])
    }

    @Test func withinTheLeadAReminderIsQueuedForItsInstantButNotAttempted() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        let early = machine.tick(now: due.addingTimeInterval(-machine.lead))
        #expect(early.attempts.isEmpty, "nothing is attempted before its time")
        #expect(machine.status(ofReminder: 0) == .sent)
        let queued = try #require(machine.state.outbox.first)
        #expect(machine.state.outbox.count == 1)
        #expect(queued.id == "b1-r0.1-desktop")
        #expect(queued.nextAttemptAt == due)
        #expect(queued.createdAt == due)
        #expect(queued.expiresAt == due.addingTimeInterval(24 * 3600))
        #expect(queued.dueAt == due)
        #expect(
            queued.message == "5 minutes until you promised to check in with Alex (on time).",
            "rendered as of its due time")
        #expect(machine.nextWake() == due)
        #expect(machine.tick(now: due.addingTimeInterval(-0.001)).isEmpty)
        let atDue = machine.tick(now: due)
        #expect(atDue.attempts == [queued])
        #expect(machine.tick(now: due).isEmpty, "in flight: not attempted twice")
    }

    @Test func atItsDueTimeExactlyAReminderIsAttempted() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        let effects = machine.tick(now: due)
        let delivery = try #require(effects.attempts.first)
        #expect(effects.attempts.count == 1)
        #expect(delivery.id == "b1-r0.1-desktop")
        #expect(delivery.event == .reminder)
        #expect(delivery.channel == "desktop")
        #expect(delivery.dueAt == due)
        #expect(delivery.checkinAt == BreakFixture.checkin)
        #expect(delivery.offsetSeconds == -300)
        #expect(delivery.reminderIndex == 0)
        #expect(delivery.message == "5 minutes until you promised to check in with Alex (on time).")
        #expect(machine.status(ofReminder: 0) == .sent)
        #expect(machine.state.activeBreak?.reminders[0].sentCount == 1)
        #expect(machine.outboxIds() == ["b1-r0.1-desktop"])
        #expect(machine.inFlight == ["b1-r0.1-desktop"])
    }

    @Test func eachReminderFiresOnce() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        let first = machine.tick(now: due)
        #expect(first.reminderAttempts.count == 1)
        #expect(machine.tick(now: due).isEmpty, "same instant: nothing new")
        machine.deliverAll(first, now: due)
        #expect(machine.tick(now: due).isEmpty, "after delivery, same instant")
        #expect(machine.tick(now: due.addingTimeInterval(60)).isEmpty, "later, before the next one")
        let atCheckin = machine.tick(now: BreakFixture.checkin)
        #expect(atCheckin.reminderAttempts.compactMap(\.reminderIndex) == [1])
        machine.deliverAll(atCheckin, now: BreakFixture.checkin)
        #expect(machine.tick(now: BreakFixture.checkin.addingTimeInterval(1)).isEmpty)
    }

    @Test func dueRemindersGoOutInTheOrderOfTheirTimes() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("+2m", ["alex"], "two"),
            BreakFixture.reminder("0s", ["desktop"], "zero"),
            BreakFixture.reminder("+1m", ["desktop", "alex"], "one"),
        ])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = machine.tick(now: BreakFixture.checkin.addingTimeInterval(180))
        #expect(
            effects.reminderAttempts.map(\.id) == [
                "b1-r1.1-desktop", "b1-r2.1-desktop", "b1-r2.1-alex", "b1-r0.1-alex",
            ])
        #expect(
            effects.reminderAttempts.map(\.dueAt) == [
                BreakFixture.checkin, BreakFixture.at(1860), BreakFixture.at(1860), BreakFixture.at(1920),
            ])
        #expect(effects.reminderAttempts.map(\.offsetSeconds) == [0, 60, 60, 120])
    }

    @Test func aReminderToSeveralChannelsMakesOneDeliveryEach() throws {
        let plan = try BreakFixture.coolDown(reminders: [BreakFixture.reminder("0s", ["desktop", "alex"], "now")])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = machine.tick(now: BreakFixture.checkin)
        #expect(effects.attempts.map(\.id) == ["b1-r0.1-desktop", "b1-r0.1-alex"])
        #expect(Set(effects.attempts.map(\.channel)) == ["desktop", "alex"])
    }

    /// A pending reminder wakes the daemon `lead` seconds early, to queue it for its instant.
    @Test func nextWakeIsTheEarliestPendingReminderLessTheLead() throws {
        var (machine, start) = try BreakFixture.started()
        let lead = machine.lead
        // The announce is in flight, so it is not a reason to wake.
        #expect(machine.nextWake() == BreakFixture.checkin.addingTimeInterval(-300 - lead))
        machine.deliverAll(start, now: BreakFixture.t0)
        #expect(machine.nextWake() == BreakFixture.checkin.addingTimeInterval(-300 - lead))
        let r0 = machine.tick(now: BreakFixture.checkin.addingTimeInterval(-300))
        machine.deliverAll(r0, now: BreakFixture.checkin.addingTimeInterval(-300))
        #expect(machine.nextWake() == BreakFixture.checkin.addingTimeInterval(-lead))
        let r1 = machine.tick(now: BreakFixture.checkin)
        machine.deliverAll(r1, now: BreakFixture.checkin)
        #expect(machine.nextWake() == BreakFixture.checkin.addingTimeInterval(600 - lead))
        let r2 = machine.tick(now: BreakFixture.checkin.addingTimeInterval(600))
        machine.deliverAll(r2, now: BreakFixture.checkin.addingTimeInterval(600))
        #expect(machine.nextWake() == nil)
    }

    @Test func withoutALeadNextWakeIsTheDueTime() throws {
        var (machine, start) = try BreakFixture.started()
        machine.lead = 0
        machine.deliverAll(start, now: BreakFixture.t0)
        #expect(machine.nextWake() == BreakFixture.checkin.addingTimeInterval(-300))
        #expect(machine.tick(now: BreakFixture.checkin.addingTimeInterval(-300.001)).isEmpty)
        #expect(machine.status(ofReminder: 0) == .pending)
    }

    @Test func nextWakeIsARetryWhenThatComesFirst() throws {
        var (machine, _) = try BreakFixture.started()
        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(0.5))
        #expect(machine.nextWake() == BreakFixture.at(1.5))
        let retry = machine.tick(now: BreakFixture.at(1.5))
        #expect(retry.attempts.map(\.id) == ["b1-announce-alex"])
        #expect(machine.nextWake() == BreakFixture.checkin.addingTimeInterval(-300 - machine.lead))
    }

    @Test func nextWakeIsTheCheckinForAFailingBeforeReminder() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("-5m", ["desktop"], "{minutes_left} minutes left.")
        ])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        _ = machine.fail("b1-r0.1-desktop", now: due, retryAfter: 600)
        #expect(machine.state.outbox.first?.nextAttemptAt == due.addingTimeInterval(600))
        #expect(machine.nextWake() == BreakFixture.checkin)
    }

    @Test func nextWakeOfAnEmptyStateIsNil() {
        #expect(BreakFixture.machine().nextWake() == nil)
    }

    @Test func aTickWithoutABreakAttemptsTheOutbox() throws {
        var (machine, _) = try BreakFixture.started()
        _ = try machine.back(now: BreakFixture.at(60))
        // back and the announce are in flight; after a restart they are attempted again.
        var restarted = BreakFixture.machine(try BreakFixture.roundTrip(machine.state))
        let effects = restarted.tick(now: BreakFixture.at(61))
        #expect(effects.attempts.map(\.id) == ["b1-announce-alex", "b1-back-alex"])
    }
}

// MARK: - extend

@Suite("BreakMachine: extend")
struct ExtendTests {
    @Test func extendMovesTheCheckinAndQueuesTheExtendMessage() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = try machine.extend(by: .minutes(15), now: BreakFixture.at(600))
        let brk = try #require(machine.state.activeBreak)
        #expect(brk.checkinAt == BreakFixture.at(45 * 60))
        #expect(brk.promisedAt == BreakFixture.checkin, "the first promise is kept for the history")
        #expect(brk.extensions == 1)
        #expect(brk.reminders.map(\.status) == [.pending, .pending, .pending])
        #expect(brk.dueDate(ofReminder: 0) == BreakFixture.at(40 * 60))
        let extend = try #require(effects.attempts.first)
        #expect(effects.attempts.count == 1)
        #expect(extend.id == "b1-extend1-alex")
        #expect(extend.event == .extend)
        #expect(extend.message == "Sam needs a little more time. New check-in: 14:45.")
        #expect(extend.checkinAt == BreakFixture.at(45 * 60))
        #expect(extend.dueAt == BreakFixture.at(600))
        #expect(effects.logs.contains { $0.fields["event"] == "extend" })
        // Nothing of the old times fires.
        #expect(machine.tick(now: BreakFixture.checkin.addingTimeInterval(-300)).isEmpty)
        #expect(machine.nextWake() == BreakFixture.at(40 * 60 - machine.lead))
    }

    @Test func everyExtensionHasItsOwnDeliveryId() throws {
        var (machine, _) = try BreakFixture.started()
        let first = try machine.extend(by: .minutes(5), now: BreakFixture.at(60))
        let second = try machine.extend(by: .minutes(5), now: BreakFixture.at(120))
        #expect(first.attempts.map(\.id) == ["b1-extend1-alex"])
        #expect(second.attempts.map(\.id) == ["b1-extend2-alex"])
        #expect(second.attempts.first?.message == "Sam needs a little more time. New check-in: 14:40.")
        #expect(machine.state.activeBreak?.extensions == 2)
    }

    @Test func aReminderThatAlreadyWentOutIsPendingAgainAndFiresWithANewId() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let firstDue = BreakFixture.checkin.addingTimeInterval(-300)
        let first = machine.tick(now: firstDue)
        #expect(first.reminderAttempts.map(\.id) == ["b1-r0.1-desktop"])
        machine.deliverAll(first, now: firstDue)

        let now = BreakFixture.checkin.addingTimeInterval(-120)
        _ = try machine.extend(by: .minutes(15), now: now)
        #expect(machine.status(ofReminder: 0) == .pending)
        #expect(machine.tick(now: BreakFixture.at(40 * 60 - 0.001)).reminderAttempts.isEmpty)
        let again = machine.tick(now: BreakFixture.at(40 * 60))
        let delivery = try #require(again.reminderAttempts.first)
        #expect(again.reminderAttempts.count == 1)
        #expect(delivery.id == "b1-r0.2-desktop")
        #expect(delivery.dueAt == BreakFixture.at(40 * 60))
        #expect(delivery.checkinAt == BreakFixture.at(45 * 60))
        #expect(delivery.message == "5 minutes until you promised to check in with Alex (on time).")
        #expect(machine.state.activeBreak?.reminders[0].sentCount == 2)
    }

    @Test func anUnsentCopyOfARenewedReminderLeavesTheOutbox() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        _ = machine.fail("b1-r0.1-desktop", now: due, retryAfter: 60)
        #expect(machine.outboxIds() == ["b1-r0.1-desktop"])
        let effects = try machine.extend(by: .minutes(15), now: due.addingTimeInterval(30))
        #expect(machine.outboxIds() == ["b1-extend1-alex"])
        #expect(effects.attempts.map(\.id) == ["b1-extend1-alex"])
    }

    @Test func aReminderQueuedAheadOfItsTimeIsRenewedByAnExtend() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due.addingTimeInterval(-1))
        #expect(machine.outboxIds() == ["b1-r0.1-desktop"])
        _ = try machine.extend(by: .minutes(15), now: due.addingTimeInterval(-0.5))
        #expect(machine.outboxIds() == ["b1-extend1-alex"], "the copy for the old time never goes out")
        #expect(machine.status(ofReminder: 0) == .pending)
        #expect(machine.tick(now: due).reminderAttempts.isEmpty)
    }

    @Test func anInFlightCopyOfARenewedReminderIsLeftToFinish() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        _ = try machine.extend(by: .minutes(15), now: due.addingTimeInterval(1))
        #expect(machine.outboxIds().contains("b1-r0.1-desktop"))
        #expect(machine.status(ofReminder: 0) == .pending)
    }

    @Test func aDroppedBeforeReminderIsPendingAgainWhenItsNewTimeIsAhead() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        // Daemon down across -5m and the check-in: -5m dropped, 0s sent late.
        let now = BreakFixture.checkin.addingTimeInterval(60)
        let late = machine.tick(now: now)
        machine.deliverAll(late, now: now)
        #expect(machine.status(ofReminder: 0) == .dropped)
        #expect(machine.status(ofReminder: 1) == .sent)
        _ = try machine.extend(by: .minutes(15), now: now)
        #expect(machine.state.activeBreak?.reminders.map(\.status) == [.pending, .pending, .pending])
        let again = machine.tick(now: BreakFixture.at(40 * 60))
        #expect(again.reminderAttempts.map(\.id) == ["b1-r0.1-desktop"])
    }

    @Test func aReminderWhoseNewTimeHasAlsoPassedIsNotSentAgain() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let now = BreakFixture.checkin.addingTimeInterval(300)
        let late = machine.tick(now: now)
        machine.deliverAll(late, now: now)
        // 0s moves to checkin+1m, which is already past: it stays sent.
        let effects = try machine.extend(by: .minutes(1), now: now)
        #expect(machine.status(ofReminder: 1) == .sent)
        #expect(effects.reminderAttempts.isEmpty)
        #expect(machine.state.activeBreak?.reminders[1].sentCount == 1)
    }

    @Test func aSkippedReminderWhoseTimeIsNowAheadBecomesPending() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("-45m", ["desktop"], "{minutes_left} minutes left.")
        ])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        #expect(machine.status(ofReminder: 0) == .skipped)
        _ = try machine.extend(by: .minutes(30), now: BreakFixture.at(60))
        // New check-in 15:00; -45m is 14:15, ahead of now: "every reminder whose new time is still ahead".
        #expect(machine.status(ofReminder: 0) == .pending)
        let effects = machine.tick(now: BreakFixture.at(15 * 60))
        #expect(effects.reminderAttempts.map(\.message) == ["45 minutes left."])
    }

    @Test func extendWithoutABreakThrowsNoBreak() {
        var machine = BreakFixture.machine()
        let error = thrownControlError { () throws(ControlError) in
            _ = try machine.extend(by: .minutes(10), now: BreakFixture.t0)
        }
        #expect(error?.code == .noBreak)
        #expect(error?.message.isEmpty == false)
        #expect(machine.state == BreatherState())
    }

    @Test func extendByNothingIsAnInvalidArgument() throws {
        var (machine, _) = try BreakFixture.started()
        let before = machine.state
        let error = thrownControlError { () throws(ControlError) in
            _ = try machine.extend(by: Span(seconds: 0), now: BreakFixture.at(60))
        }
        #expect(error?.code == .invalidArgument)
        #expect(machine.state == before)
    }

    @Test func aPlanWithoutAnExtendMessageSendsNothing() throws {
        var plan = try BreakFixture.coolDown()
        plan.extend = nil
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = try machine.extend(by: .minutes(10), now: BreakFixture.at(60))
        #expect(effects.attempts.isEmpty)
        #expect(machine.state.outbox.isEmpty)
        #expect(machine.state.activeBreak?.checkinAt == BreakFixture.at(40 * 60))
    }
}

// MARK: - back and cancel

@Suite("BreakMachine: back and cancel")
struct EndTests {
    @Test func backDropsRemindersQueuesBackAndRecordsHistory() throws {
        var (machine, start) = try BreakFixture.started(note: "a walk")
        machine.deliverAll(start, now: BreakFixture.t0)
        let now = BreakFixture.at(20 * 60)
        let effects = try machine.back(now: now)
        #expect(machine.state.activeBreak == nil)
        #expect(machine.outboxIds() == ["b1-back-alex"])
        let back = try #require(effects.attempts.first)
        #expect(effects.attempts.count == 1)
        #expect(back.event == .back)
        #expect(back.message == "Sam is back and ready to talk.")
        #expect(back.dueAt == now)
        #expect(
            effects.histories == [
                HistoryRecord(
                    breakId: "b1", plan: "cool-down", startedAt: BreakFixture.t0, promisedAt: BreakFixture.checkin,
                    checkinAt: BreakFixture.checkin, endedAt: now, outcome: .back, extensions: 0, note: "a walk"
                )
            ])
        #expect(effects.histories.first?.onTime == true)
        #expect(effects.histories.first?.lateSeconds == 0)
        #expect(effects.logs.contains { $0.fields["event"] == "back" && $0.message.contains("3 pending") })
        // Nothing of the ended break fires any more.
        machine.deliverAll(effects, now: now)
        #expect(machine.tick(now: BreakFixture.at(3600)).isEmpty)
        #expect(machine.nextWake() == nil)
    }

    @Test func backRemovesUnsentReminderDeliveriesButNotOtherMessages() throws {
        var (machine, _) = try BreakFixture.started()
        // The announce keeps failing; so does the -5m reminder.
        _ = machine.fail("b1-announce-alex", now: BreakFixture.t0, retryAfter: 3600)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        _ = machine.fail("b1-r0.1-desktop", now: due, retryAfter: 60)
        #expect(machine.outboxIds() == ["b1-announce-alex", "b1-r0.1-desktop"])
        let effects = try machine.back(now: due.addingTimeInterval(10))
        #expect(machine.outboxIds() == ["b1-announce-alex", "b1-back-alex"])
        #expect(effects.logs.contains { $0.fields["delivery_id"] == "b1-r0.1-desktop" })
    }

    @Test func backLeavesAReminderInFlightToFinish() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        #expect(machine.inFlight == ["b1-r0.1-desktop"])
        _ = try machine.back(now: due.addingTimeInterval(1))
        #expect(machine.inFlight.contains("b1-r0.1-desktop"))
        #expect(machine.outboxIds().contains("b1-r0.1-desktop"))
        // A late failure changes nothing: the break has ended, so it is not retried.
        _ = machine.fail("b1-r0.1-desktop", now: due.addingTimeInterval(2))
        #expect(!machine.outboxIds().contains("b1-r0.1-desktop"))
    }

    /// Once, `end` treated a reminder being attempted as unsent and forgot it, so a message
    /// that did go out was never logged as delivered.
    @Test func aReminderInFlightAtBackThatSucceedsIsLoggedAsDelivered() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let due = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: due)
        let back = try machine.back(now: due.addingTimeInterval(1))
        let result = machine.finished(
            deliveryId: "b1-r0.1-desktop", result: .delivered(detail: "desktop notification 7"),
            now: due.addingTimeInterval(1.5), jitter: 0.5)
        do {
            #expect(
                !back.logs.contains { $0.fields["delivery_id"] == "b1-r0.1-desktop" && $0.message.contains("unsent") })
            #expect(result.logs.contains { $0.fields["delivery_id"] == "b1-r0.1-desktop" })
        }
    }

    @Test func backAfterAnExtensionAndLateIsRecordedAsLate() throws {
        var (machine, _) = try BreakFixture.started()
        _ = try machine.extend(by: .minutes(15), now: BreakFixture.at(600))
        let effects = try machine.back(now: BreakFixture.at(47 * 60))
        let record = try #require(effects.histories.first)
        #expect(record.outcome == .back)
        #expect(record.promisedAt == BreakFixture.checkin)
        #expect(record.checkinAt == BreakFixture.at(45 * 60))
        #expect(record.extensions == 1)
        #expect(record.onTime == false)
        #expect(record.lateSeconds == 120)
    }

    @Test func backExactlyAtTheCheckinIsOnTime() throws {
        var (machine, _) = try BreakFixture.started()
        let record = try #require(try machine.back(now: BreakFixture.checkin).histories.first)
        #expect(record.onTime)
        #expect(record.lateSeconds == 0)
        let oneMsLate = HistoryRecord(
            breakId: "x", plan: "p", startedAt: BreakFixture.t0, promisedAt: BreakFixture.checkin,
            checkinAt: BreakFixture.checkin, endedAt: BreakFixture.checkin.addingTimeInterval(0.001), outcome: .back,
            extensions: 0, note: nil)
        #expect(!oneMsLate.onTime)
    }

    @Test func cancelSendsNothingWhenThePlanHasNoCancelMessage() throws {
        var (machine, start) = try BreakFixture.started()
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = try machine.cancel(now: BreakFixture.at(300))
        #expect(effects.attempts.isEmpty)
        #expect(machine.state.outbox.isEmpty)
        #expect(machine.state.activeBreak == nil)
        let record = try #require(effects.histories.first)
        #expect(record.outcome == .cancelled)
        #expect(record.onTime == false, "a cancelled break is not a check-in")
        #expect(record.endedAt == BreakFixture.at(300))
        #expect(effects.logs.contains { $0.fields["event"] == "cancel" })
    }

    @Test func cancelSendsThePlansCancelMessage() throws {
        let plan = try BreakFixture.coolDown(
            cancel: Plan.Message(to: ["alex"], template: try Template("{me} called the break off.")))
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = try machine.cancel(now: BreakFixture.at(300))
        #expect(effects.attempts.map(\.id) == ["b1-cancel-alex"])
        #expect(effects.attempts.map(\.event) == [.cancel])
        #expect(effects.attempts.map(\.message) == ["Sam called the break off."])
    }

    @Test func backOrCancelWithoutABreakThrowsNoBreak() {
        var machine = BreakFixture.machine()
        let back = thrownControlError { () throws(ControlError) in _ = try machine.back(now: BreakFixture.t0) }
        let cancel = thrownControlError { () throws(ControlError) in _ = try machine.cancel(now: BreakFixture.t0) }
        #expect(back?.code == .noBreak)
        #expect(cancel?.code == .noBreak)
        #expect(back?.message.hasPrefix("No break is running") == true)
        #expect(cancel?.message.hasPrefix("No break is running") == true)
    }

    @Test func aPlanWithoutABackMessageSendsNothing() throws {
        var plan = try BreakFixture.coolDown()
        plan.back = nil
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        let effects = try machine.back(now: BreakFixture.at(60))
        #expect(effects.attempts.isEmpty)
        #expect(effects.histories.count == 1)
    }
}

// MARK: - finished

@Suite("BreakMachine: delivery outcomes")
struct FinishedTests {
    @Test func deliveredLeavesTheOutbox() throws {
        var (machine, _) = try BreakFixture.started()
        let effects = machine.finished(
            deliveryId: "b1-announce-alex", result: .delivered(detail: "HTTP 200"), now: BreakFixture.at(0.25),
            jitter: 0.5)
        #expect(machine.state.outbox.isEmpty)
        #expect(machine.inFlight.isEmpty)
        let log = try #require(effects.logs.first)
        #expect(log.level == .info)
        #expect(log.fields["delivery_id"] == "b1-announce-alex")
        #expect(log.fields["channel"] == "alex")
        #expect(log.fields["attempt"] == "1")
        #expect(log.fields["late_seconds"] == "0.250")
    }

    @Test func aRetryableFailureStaysWithBackoff() throws {
        var (machine, _) = try BreakFixture.started()
        let now = BreakFixture.at(0.5)
        let effects = machine.fail("b1-announce-alex", now: now)
        let delivery = try #require(machine.state.outbox.first)
        #expect(delivery.id == "b1-announce-alex")
        #expect(delivery.attempts == 1)
        #expect(delivery.lastError == "The receiver answered HTTP 503.")
        #expect(
            delivery.nextAttemptAt
                == now.addingTimeInterval(RetryPolicy.delay(afterFailures: 1, retryAfter: nil, jitter: 0.5)))
        #expect(delivery.nextAttemptAt == BreakFixture.at(1.5))
        #expect(machine.inFlight.isEmpty)
        #expect(effects.logs.first?.level == .warning)

        #expect(machine.tick(now: BreakFixture.at(1.499)).isEmpty, "not before its time")
        let retry = machine.tick(now: BreakFixture.at(1.5))
        #expect(retry.attempts.map(\.id) == ["b1-announce-alex"], "the same delivery id on a retry")
        #expect(retry.attempts.first?.attempts == 1)

        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(2))
        #expect(machine.state.outbox.first?.attempts == 2)
        #expect(machine.state.outbox.first?.nextAttemptAt == BreakFixture.at(4))
        _ = machine.tick(now: BreakFixture.at(4))
        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(4))
        #expect(machine.state.outbox.first?.nextAttemptAt == BreakFixture.at(8))
    }

    @Test func jitterSpreadsTheDelay() throws {
        var (machine, _) = try BreakFixture.started()
        _ = machine.fail("b1-announce-alex", now: BreakFixture.t0, jitter: 0)
        let next = try #require(machine.state.outbox.first?.nextAttemptAt)
        #expect(abs(next.timeIntervalSince(BreakFixture.at(0.8))) <= 0.001)
        _ = machine.tick(now: next)
        _ = machine.fail("b1-announce-alex", now: next, jitter: 0.999_999)
        let second = try #require(machine.state.outbox.first?.nextAttemptAt)
        #expect(second.timeIntervalSince(next) > 2.39 && second.timeIntervalSince(next) < 2.4)
    }

    @Test func retryAfterIsHonoured() throws {
        var (machine, _) = try BreakFixture.started()
        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(1), retryAfter: 30)
        #expect(machine.state.outbox.first?.nextAttemptAt == BreakFixture.at(31))
        #expect(machine.nextWake() == BreakFixture.at(31))
    }

    @Test func aFailureThatCannotBeRetriedIsDroppedWithAnError() throws {
        var (machine, _) = try BreakFixture.started()
        let effects = machine.finished(
            deliveryId: "b1-announce-alex",
            result: .failed(reason: "The receiver answered HTTP 404.", retryable: false, retryAfter: nil),
            now: BreakFixture.at(1), jitter: 0.5)
        #expect(machine.state.outbox.isEmpty)
        let log = try #require(effects.logs.first)
        #expect(log.level == .error)
        #expect(log.message.contains("HTTP 404"))
        #expect(log.fields["delivery_id"] == "b1-announce-alex")
    }

    @Test func aRetryPastTheWindowIsDroppedWithALog() throws {
        var (machine, _) = try BreakFixture.started(alexRetryWindow: Span(seconds: 60))
        #expect(machine.state.outbox.first?.expiresAt == BreakFixture.at(60))
        let effects = machine.fail("b1-announce-alex", now: BreakFixture.at(55), retryAfter: 10)
        #expect(machine.state.outbox.isEmpty)
        let log = try #require(effects.logs.first)
        #expect(log.level == .error)
        #expect(log.message.contains("retry window"))
    }

    @Test func aRetryExactlyAtTheEndOfTheWindowIsKept() throws {
        var (machine, _) = try BreakFixture.started(alexRetryWindow: Span(seconds: 60))
        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(50), retryAfter: 10)
        #expect(machine.state.outbox.first?.nextAttemptAt == BreakFixture.at(60))
        #expect(machine.tick(now: BreakFixture.at(60)).attempts.map(\.id) == ["b1-announce-alex"])
    }

    @Test func aDeliveryWhoseWindowClosedWhileWaitingIsDroppedByTheTick() throws {
        var (machine, _) = try BreakFixture.started(alexRetryWindow: Span(seconds: 60))
        _ = machine.fail("b1-announce-alex", now: BreakFixture.at(1), retryAfter: 40)
        // The daemon was down from 41 s to 61 s.
        let restored = try BreakFixture.roundTrip(machine.state)
        var restarted = BreakFixture.machine(restored, alexRetryWindow: Span(seconds: 60))
        let effects = restarted.tick(now: BreakFixture.at(61))
        #expect(effects.attempts.isEmpty)
        #expect(restarted.state.outbox.isEmpty)
        #expect(
            effects.logs.contains {
                $0.level == .error && $0.fields["delivery_id"] == "b1-announce-alex"
                    && $0.message.contains("retry window")
            })
    }

    @Test func aDeliveryInFlightIsNotAttemptedTwice() throws {
        var (machine, start) = try BreakFixture.started()
        #expect(start.attempts.map(\.id) == ["b1-announce-alex"])
        #expect(machine.tick(now: BreakFixture.at(1)).attempts.isEmpty)
        #expect(machine.tick(now: BreakFixture.at(3600 * 23)).attempts.filter { $0.id == "b1-announce-alex" }.isEmpty)
    }

    @Test func aBeforeReminderStillFailingAtTheCheckinIsDropped() throws {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("-5m", ["desktop"], "{minutes_left} minutes left.")
        ])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        var now = BreakFixture.checkin.addingTimeInterval(-300)
        _ = machine.tick(now: now)
        // It keeps failing right up to the check-in.
        while now < BreakFixture.checkin.addingTimeInterval(-10) {
            _ = machine.fail("b1-r0.1-desktop", now: now)
            now = machine.state.outbox.first!.nextAttemptAt
            if now < BreakFixture.checkin { #expect(machine.tick(now: now).attempts.map(\.id) == ["b1-r0.1-desktop"]) }
        }
        #expect(machine.outboxIds() == ["b1-r0.1-desktop"])
        #expect(machine.inFlight.isEmpty)
        let effects = machine.tick(now: BreakFixture.checkin)
        #expect(effects.attempts.isEmpty)
        #expect(machine.state.outbox.isEmpty)
        #expect(
            effects.logs.contains {
                $0.level == .warning && $0.fields["delivery_id"] == "b1-r0.1-desktop" && $0.message.contains("dropped")
            })
    }

    @Test func theResultOfAnUnknownDeliveryIsIgnored() throws {
        var (machine, _) = try BreakFixture.started()
        let before = machine.state
        #expect(
            machine.finished(
                deliveryId: "nope", result: .delivered(detail: "HTTP 200"), now: BreakFixture.at(1), jitter: 0.5
            ).isEmpty)
        #expect(machine.state == before)
    }
}
