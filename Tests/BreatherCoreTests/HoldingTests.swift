import Foundation
import Testing

@testable import BreatherCore

/// `hold_on_server`: what the machine hands over, releases and takes back, and what the
/// services' answers mean.
@Suite struct HoldingTests {
    typealias F = BreakFixture

    static func machine(preset: Webhook.Preset = .matrix) throws -> BreakMachine {
        var webhook = Webhook(preset: preset, url: "https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org")
        webhook.holdOnServer = true
        let settings = Settings(
            me: "Sam", partner: "Alex", defaultPlan: "cool-down",
            channels: [
                "alex": Channel(name: "alex", kind: .webhook, webhook: webhook),
                "desktop": Channel(name: "desktop", kind: .desktop),
            ])
        return BreakMachine(state: BreatherState(), settings: settings, values: F.utc)
    }

    static func plan() throws -> Plan {
        try F.coolDown(reminders: [
            try F.reminder("-5m", ["desktop", "alex"], "{minutes_left} minutes left ({late})."),
            try F.reminder("+10m", ["alex"], "{me} is still calming down ({late})."),
        ])
    }

    static func started(preset: Webhook.Preset = .matrix) throws -> BreakMachine {
        var machine = try machine(preset: preset)
        _ = try machine.apply(.start(plan: try plan(), duration: nil, note: nil, breakId: F.breakId), now: F.t0)
        return machine
    }

    static func handOffs(_ machine: BreakMachine) -> [Delivery] {
        machine.state.outbox.filter { $0.hold == .handOff }
    }

    /// Answers every hand-off in the outbox with `result`.
    static func answerHandOffs(_ machine: inout BreakMachine, _ result: AttemptResult, at seconds: Double = 1) {
        for delivery in handOffs(machine) {
            _ = machine.record(deliveryId: delivery.id, result: result, shown: nil, now: F.at(seconds), jitter: 0.5)
        }
    }

    @Test func aStartHandsEveryLaterReminderToTheHoldingChannelOnly() throws {
        let machine = try Self.started()
        let handOffs = Self.handOffs(machine)
        #expect(handOffs.map(\.channel) == ["alex", "alex"])
        #expect(handOffs.map(\.dueAt) == [F.at(25 * 60), F.at(40 * 60)])
        // Rendered as of its time: on time, and the minutes left then.
        #expect(handOffs[0].message == "5 minutes left (on time).")
        #expect(handOffs.allSatisfy { $0.template == nil })
        #expect(machine.state.heldMessages.map(\.phase) == [.handingOff, .handingOff])
        #expect(Set(handOffs.map(\.id)) == Set(machine.state.heldMessages.map(\.key)))
        // Nothing is marked held before the service answers.
        let report = StatusReport(state: machine.state, now: F.at(1))
        #expect(report.break?.pending.allSatisfy { $0.heldBy == nil } == true)
    }

    @Test func aHeldMessageIsReleasedAtItsTimeAndNotSentAgain() throws {
        var machine = try Self.started()
        Self.answerHandOffs(&machine, .held(handle: "syd_secret"))
        #expect(machine.state.heldMessages.allSatisfy { $0.phase == .held && $0.handle == "syd_secret" })
        let report = StatusReport(state: machine.state, now: F.at(2))
        #expect(report.break?.pending.map(\.heldBy) == [["alex"], ["alex"]])

        let due = machine.advance(now: F.at(25 * 60))
        let release = try #require(due.attempts.first { $0.channel == "alex" })
        #expect(release.hold == .release)
        #expect(release.holdHandle == "syd_secret")
        #expect(due.attempts.filter { $0.channel == "alex" }.count == 1)
        #expect(due.attempts.contains { $0.channel == "desktop" && $0.hold == nil })
        // No journal line carries the handle.
        #expect(
            !due.records.journal.contains {
                $0.message.contains("syd_") || $0.fields.values.contains { $0.contains("syd_") }
            })

        _ = machine.record(
            deliveryId: release.id, result: .delivered(detail: "HTTP 200"), shown: nil, now: F.at(25 * 60), jitter: 0.5)
        #expect(machine.state.heldMessages.count == 1)
        #expect(!machine.state.outbox.contains { $0.channel == "alex" && $0.reminderIndex == 0 })
    }

    @Test func waking_afterNtfyHasSentItItselfSendsNothing() throws {
        var machine = try Self.started(preset: .ntfy)
        Self.answerHandOffs(&machine, .held(handle: nil))
        // The computer slept through the -5m reminder's time and its margin.
        let woke = machine.advance(now: F.at(25 * 60 + 30))
        #expect(!woke.attempts.contains { $0.channel == "alex" })
        #expect(woke.records.journal.contains { $0.message.contains("delivered the reminder -5m to alex by itself") })
    }

    @Test func backTakesBackWhatIsHeld() throws {
        var machine = try Self.started()
        Self.answerHandOffs(&machine, .held(handle: "syd_secret"))
        let back = try machine.apply(.back, now: F.at(60))
        let cancels = back.attempts.filter { $0.hold == .cancel }
        #expect(cancels.count == 2)
        #expect(cancels.allSatisfy { $0.holdHandle == "syd_secret" })
        for cancel in cancels {
            _ = machine.record(
                deliveryId: cancel.id, result: .delivered(detail: "HTTP 200"), shown: nil, now: F.at(61), jitter: 0.5)
        }
        #expect(machine.state.heldMessages.isEmpty)
    }

    @Test func aCancelThatCannotBeDoneInTimeIsShown() throws {
        var machine = try Self.started()
        Self.answerHandOffs(&machine, .held(handle: "syd_secret"))
        _ = try machine.apply(.cancel, now: F.at(25 * 60 - 2))
        let cancel = try #require(machine.state.outbox.first { $0.hold == .cancel && $0.reminderIndex == 0 })
        let failed = machine.record(
            deliveryId: cancel.id, result: .failed(reason: "No answer.", retryable: true, retryAfter: nil), shown: nil,
            now: F.at(25 * 60), jitter: 0.5)
        #expect(failed.records.journal.contains { $0.message.contains("may still receive it") })
        // The break's history is written again, saying so.
        let amended = try #require(failed.records.history.first)
        #expect(amended.breakId == F.breakId)
        #expect(amended.notTakenBack == [F.at(25 * 60)])
        let report = StatusReport(state: machine.state, now: F.at(25 * 60))
        #expect(report.notTakenBack?.map(\.channel) == ["alex"])
        // Shown for an hour after its time, then forgotten.
        _ = machine.advance(now: F.at(25 * 60 + 3601))
        #expect(StatusReport(state: machine.state, now: F.at(25 * 60 + 3601)).notTakenBack == nil)
    }

    @Test func extendMovesWhatIsHeld() throws {
        var machine = try Self.started()
        Self.answerHandOffs(&machine, .held(handle: "syd_old"))
        let extended = try machine.apply(.extend(Span(seconds: 600)), now: F.at(60))
        #expect(extended.attempts.filter { $0.hold == .cancel }.count == 2)
        let fresh = extended.attempts.filter { $0.hold == .handOff }
        #expect(fresh.map(\.dueAt) == [F.at(35 * 60), F.at(50 * 60)])
        #expect(Set(fresh.map(\.id)).isDisjoint(with: ["\(F.breakId)-h0-1-0-alex", "\(F.breakId)-h1-1-0-alex"]))
    }

    @Test func aServiceThatCannotHoldFallsBackOnceAndSendsFromHere() throws {
        var machine = try Self.started()
        // Both hand-offs were on their way; both come back with the same answer.
        var warnings = 0
        for handOff in Self.handOffs(machine) {
            let answered = machine.record(
                deliveryId: handOff.id, result: .cannotHold(reason: "it does not list delayed events"), shown: nil,
                now: F.at(1), jitter: 0.5)
            warnings += answered.records.journal.filter { $0.message.contains("cannot hold messages") }.count
        }
        #expect(warnings == 1)
        #expect(machine.state.heldMessages.isEmpty)
        #expect(Self.handOffs(machine).isEmpty)
        let due = machine.advance(now: F.at(25 * 60))
        #expect(due.attempts.contains { $0.channel == "alex" && $0.hold == nil })
        // A later break does not try again in this run.
        _ = try machine.apply(.back, now: F.at(26 * 60))
        _ = try machine.apply(
            .start(plan: try Self.plan(), duration: nil, note: nil, breakId: "b2"), now: F.at(27 * 60))
        #expect(Self.handOffs(machine).isEmpty)
    }

    @Test func aHandOffStillUnansweredAtItsTimeIsReleasedOnceItLands() throws {
        var machine = try Self.started()
        let first = try #require(Self.handOffs(machine).first)
        _ = machine.record(
            deliveryId: first.id, result: .failed(reason: "No answer.", retryable: true, retryAfter: 3000), shown: nil,
            now: F.at(1), jitter: 0.5)
        let queued = machine.advance(now: F.at(25 * 60 - 2))
        #expect(!queued.attempts.contains { $0.channel == "alex" && $0.hold == nil })
        // Tried again at its time under its own key: its first attempt may have reached the service.
        let due = machine.advance(now: F.at(25 * 60))
        #expect(due.attempts.contains { $0.id == first.id })
        let landed = machine.record(
            deliveryId: first.id, result: .held(handle: "syd_x"), shown: nil, now: F.at(25 * 60 + 1), jitter: 0.5)
        #expect(landed.attempts.isEmpty)
        #expect(machine.state.outbox.contains { $0.hold == .release && $0.reminderIndex == 0 })
    }

    @Test func aReleaseThatFailsAfterBackIsTakenBackNotRetried() throws {
        var machine = try Self.started(preset: .ntfy)
        Self.answerHandOffs(&machine, .held(handle: nil))
        let due = machine.advance(now: F.at(25 * 60))
        let release = try #require(due.attempts.first { $0.hold == .release })
        // `back` while the release is on its way leaves it to arrive...
        _ = try machine.apply(.back, now: F.at(25 * 60 + 1))
        // ...but when it fails, it is not tried again after "I'm back": ntfy takes it back.
        let failed = machine.record(
            deliveryId: release.id, result: .failed(reason: "HTTP 502.", retryable: true, retryAfter: nil), shown: nil,
            now: F.at(25 * 60 + 2), jitter: 0.5)
        #expect(!machine.state.outbox.contains { $0.hold == .release })
        #expect(failed.attempts.isEmpty || failed.attempts.allSatisfy { $0.hold != .release })
        #expect(machine.state.outbox.contains { $0.hold == .cancel && $0.holdKey == release.holdKey })
    }

    @Test func backAfterAnUnclearHandOffTakesItBackByItsKey() throws {
        // ntfy: the sequence id alone takes it back.
        var ntfy = try Self.started(preset: .ntfy)
        for handOff in Self.handOffs(ntfy) {
            _ = ntfy.record(
                deliveryId: handOff.id, result: .failed(reason: "Timed out.", retryable: true, retryAfter: nil),
                shown: nil, now: F.at(10), jitter: 0.5)
        }
        _ = try ntfy.apply(.back, now: F.at(11))
        #expect(ntfy.state.outbox.filter { $0.hold == .cancel }.count == 2)
        #expect(Self.handOffs(ntfy).isEmpty)
        // Matrix: the same transaction id again, held far ahead, for the delay_id to cancel.
        var matrix = try Self.started()
        for handOff in Self.handOffs(matrix) {
            _ = matrix.record(
                deliveryId: handOff.id, result: .failed(reason: "Timed out.", retryable: true, retryAfter: nil),
                shown: nil, now: F.at(10), jitter: 0.5)
        }
        _ = try matrix.apply(.back, now: F.at(11))
        let again = Self.handOffs(matrix)
        #expect(again.count == 2 && again.allSatisfy { $0.holdOnlyToTakeBack == true })
        let request = try HoldRequest.build(
            again[0], preset: .matrix, url: "https://m.example.org/_matrix/client/v3/rooms/!r:m", token: "t",
            timeout: Span(seconds: 10), now: F.at(11))
        #expect(request.url.hasSuffix("delay=3600000"))
        let landed = matrix.record(
            deliveryId: again[0].id, result: .held(handle: "syd_late"), shown: nil, now: F.at(12), jitter: 0.5)
        #expect(landed.attempts.isEmpty)
        #expect(matrix.state.outbox.contains { $0.hold == .cancel && $0.holdHandle == "syd_late" })
    }

    // MARK: Requests and answers

    @Test func ntfyHandOffCarriesItsSequenceIdAndAMarginedTime() throws {
        let machine = try Self.started(preset: .ntfy)
        let handOff = try #require(Self.handOffs(machine).first)
        let request = try HoldRequest.build(
            handOff, preset: .ntfy, url: "https://ntfy.example.org/sam-and-alex", token: "tk",
            timeout: Span(seconds: 10),
            now: F.at(1))
        #expect(request.method == "PUT")
        #expect(request.url == "https://ntfy.example.org/sam-and-alex/\(handOff.id)")
        let at = request.headers.first { $0.name == "At" }?.value
        #expect(at == String(Int(F.at(25 * 60 + 20).timeIntervalSince1970)))
        #expect(String(decoding: request.body, as: UTF8.self) == "5 minutes left (on time).")
        // Past its time a hand-off is a plain publish under the same id.
        let late = try HoldRequest.build(
            handOff, preset: .ntfy, url: "https://ntfy.example.org/sam-and-alex", token: nil,
            timeout: Span(seconds: 10),
            now: F.at(25 * 60 + 1))
        #expect(!late.headers.contains { $0.name == "At" })
    }

    @Test func matrixHandOffIsADelayedEventUnderOneTransactionId() throws {
        let machine = try Self.started()
        let handOff = try #require(Self.handOffs(machine).first)
        let url = "https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org"
        let request = try HoldRequest.build(
            handOff, preset: .matrix, url: url, token: "tk", timeout: Span(seconds: 10), now: F.at(0))
        #expect(request.url.hasSuffix("/send/m.room.message/\(handOff.id)?org.matrix.msc4140.delay=1500000"))
        #expect(request.keepsBody)
        var release = handOff
        release.hold = .release
        release.holdHandle = "syd_abc"
        let sent = try HoldRequest.build(
            release, preset: .matrix, url: url, token: "tk", timeout: Span(seconds: 10), now: F.at(0))
        #expect(
            sent.url
                == "https://matrix.example.org/_matrix/client/unstable/org.matrix.msc4140/delayed_events/syd_abc/send")
    }

    @Test func answersMeanWhatTheServicesSay() {
        func response(_ status: Int, _ body: String) -> HTTPOutcome {
            .response(status: status, retryAfter: nil, body: Array(body.utf8))
        }
        let now = F.t0
        #expect(
            HoldAnswer.classify(
                response(200, #"{"delay_id":"syd_1"}"#), step: .handOff, preset: .matrix, heldLater: true, now: now)
                == .held(handle: "syd_1"))
        // Synapse: too long a delay is about that message only, not the channel.
        if case .failed(_, false, _) = HoldAnswer.classify(
            response(400, #"{"errcode":"M_UNKNOWN","org.matrix.msc4140.errcode":"M_MAX_DELAY_EXCEEDED"}"#),
            step: .handOff, preset: .matrix, heldLater: true, now: now)
        {
        } else {
            Issue.record("M_MAX_DELAY_EXCEEDED refuses that one message")
        }
        if case .cannotHold = HoldAnswer.classify(
            response(400, #"{"errcode":"M_UNRECOGNIZED"}"#), step: .handOff, preset: .matrix, heldLater: true,
            now: now)
        {
        } else {
            Issue.record("M_UNRECOGNIZED is a server that cannot hold")
        }
        #expect(HoldAnswer.matrixHoldsMessages(.response(status: 429, retryAfter: nil)) == nil)
        if case .delivered = HoldAnswer.classify(
            response(404, #"{"errcode":"M_NOT_FOUND"}"#), step: .release, preset: .matrix, heldLater: false, now: now)
        {
        } else {
            Issue.record("a release of a sent event is delivered")
        }
        if case .cannotHold(let reason) = HoldAnswer.classify(
            response(404, #"{"code":40401}"#), step: .handOff, preset: .ntfy, heldLater: true, now: now)
        {
            #expect(reason.contains("2.16"))
        } else {
            Issue.record("an ntfy without sequence ids cannot hold")
        }
        #expect(
            HoldAnswer.classify(response(200, "{}"), step: .handOff, preset: .ntfy, heldLater: true, now: now)
                == .held(handle: nil))
        #expect(
            HoldAnswer.matrixHoldsMessages(response(200, #"{"unstable_features":{"org.matrix.msc4140":true}}"#)) == true
        )
        #expect(HoldAnswer.matrixHoldsMessages(response(200, #"{"versions":["v1.11"]}"#)) == false)
        #expect(HoldAnswer.matrixHoldsMessages(.failure(code: 7, message: "Could not connect.")) == nil)
    }

    @Test func keysAreSequenceIdsNtfyTakes() {
        let key = HeldMessage.key(
            breakId: "0123456789abcdef", reminderIndex: 2, round: 1, extensions: 3, channel: "Alex's phone")
        #expect(key == "0123456789abcdef-h2-1-3-Alex_s_phone")
        #expect(key.count <= 64)
    }
}
