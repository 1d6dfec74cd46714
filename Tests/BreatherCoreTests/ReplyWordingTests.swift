import Foundation
import Testing

@testable import BreatherCore

@Suite("Replies, status and commands, worded and projected in the core")
struct ReplyWordingTests {
    @Test func eachCommandIsWordedFromWhatItDid() throws {
        var (machine, _) = try BreakFixture.started()
        let values = BreakFixture.utc
        let started = try #require(machine.state.activeBreak)
        #expect(
            ReplyWording.sentence(for: .started(started), values: values, now: BreakFixture.t0)
                == "Break started: check in with Alex at 14:30, in 30 minutes. Announcement queued for alex.")

        let extended = try machine.apply(.extend(.minutes(15)), now: BreakFixture.at(60))
        #expect(
            ReplyWording.sentence(for: try #require(extended.outcome), values: values, now: BreakFixture.at(60))
                == "Check-in moved to 14:45, in 44 minutes. Alex is told through alex.")
        machine.recordsWritten()

        let back = try machine.apply(.back, now: BreakFixture.at(52 * 60))
        #expect(
            ReplyWording.sentence(for: try #require(back.outcome), values: values, now: BreakFixture.at(52 * 60))
                == "Welcome back: you checked in 7 minutes late, after the promised 14:45. Alex is told through alex.")
        #expect(back.records.history.map(\.outcome) == [.back])
        #expect(machine.state.unwritten == back.records)
    }

    @Test func onTimeAndCancelled() throws {
        var (machine, _) = try BreakFixture.started()
        let back = try machine.apply(.back, now: BreakFixture.at(29 * 60))
        #expect(
            ReplyWording.sentence(
                for: try #require(back.outcome), values: BreakFixture.utc, now: BreakFixture.at(29 * 60))
                == "Welcome back: you checked in on time. Alex is told through alex.")

        var (other, _) = try BreakFixture.started()
        let cancel = try other.apply(.cancel, now: BreakFixture.at(60))
        #expect(
            ReplyWording.sentence(for: try #require(cancel.outcome), values: BreakFixture.utc, now: BreakFixture.at(60))
                == "Break cancelled; no check-in message was sent.")
    }

    @Test func endingABreakClosesItsNotification() throws {
        var (machine, _) = try BreakFixture.started()
        let shown = ShownNotification(id: 4, server: "b/:1.2")
        machine.notificationShown(shown, text: "x", urgent: false, breakId: BreakFixture.breakId)
        #expect(try machine.apply(.cancel, now: BreakFixture.at(60)).closeNotification == shown)
    }

    @Test func statusShowsTheRemindersToComeAndWhatRetries() throws {
        var (machine, start) = try BreakFixture.started()
        _ = machine.fail(start.attempts[0].id, now: BreakFixture.at(1), retryAfter: 30)
        let report = StatusReport(state: machine.state, now: BreakFixture.at(2))
        #expect(report.active)
        #expect(report.break?.pending.map(\.offsetSeconds) == [-300, 0, 600])
        #expect(report.retrying.map(\.deliveryId) == ["b1-announce-alex"])
        #expect(
            ReplyWording.statusSentence(for: machine.state, values: BreakFixture.utc)
                == "On a break (cool-down); check-in with Alex at 14:30.")
        #expect(
            StatusReport(state: BreatherState(), now: BreakFixture.t0)
                == StatusReport(active: false, break: nil, retrying: []))
    }

    @Test func requestsResolveToTypedCommandsOrOneSentence() throws {
        let plan = try BreakFixture.coolDown()
        let configuration = Configuration(
            settings: BreakFixture.settings(), settingsDiagnostics: [],
            planFiles: [.init(name: "cool-down", path: "/p/cool-down.toml", plan: plan, diagnostics: [])]
        )
        let resolve = { (request: ControlRequest) in CommandResolver.command(for: request, in: configuration) { "id1" }
        }
        #expect(
            try resolve(ControlRequest(op: .start, for: "45m", note: "walk"))?.get()
                == .start(plan: plan, duration: .minutes(45), note: "walk", breakId: "id1"))
        #expect(try resolve(ControlRequest(op: .extend, duration: "10m"))?.get() == .extend(.minutes(10)))
        #expect(resolve(ControlRequest(op: .status)) == nil)
        guard case .failure(let error) = resolve(ControlRequest(op: .start, plan: "banana")) else {
            Issue.record("an unknown plan resolved")
            return
        }
        #expect(error.message == "There is no plan or code word \"banana\"; `breather plans` lists them.")
        guard case .failure(let bad) = resolve(ControlRequest(op: .start, for: "forever")) else {
            Issue.record("a bad duration resolved")
            return
        }
        #expect(bad.message == "\"forever\" is not a duration; write it like 90s, 30m, 1h or 1h30m.")
    }
}
