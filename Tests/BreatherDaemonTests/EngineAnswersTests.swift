import BreatherCore
import Foundation
import Testing

@testable import BreatherDaemon

/// The engine reads answers only while the machine says so, one read at a time per channel,
/// and an answer read goes through the machine like any event: saved, then relayed.
@Suite struct EngineAnswersTests {
    static func harness() throws -> EngineHarness {
        var ntfy = Webhook(preset: .ntfy, url: "https://ntfy.example.org/sam-and-alex")
        ntfy.answersUrl = "https://ntfy.example.org/sam-and-alex-answers"
        let plan = Plan(
            name: "cool-down", duration: .minutes(30),
            announce: Plan.Message(to: ["alex"], template: try Template("Back at {checkin_time}."), answers: ["Okay."]))
        return try EngineHarness(plan: plan, alex: ntfy)
    }

    @Test func anAnswerReadIsSavedThenRelayedAndReadingStopsAnHourAfterTheBreak() throws {
        let harness = try Self.harness()
        #expect(harness.transport.reads.isEmpty)
        _ = harness.request(ControlRequest(op: .start))
        harness.settle()
        let first = try #require(harness.transport.reads.first)
        #expect(harness.transport.reads.count == 1)
        #expect(first.reading.channel == "alex" && first.reading.cursor == nil && first.reading.breakRuns)

        let breakId = try #require(harness.savedState?.activeBreak?.id)
        let key = try #require(harness.savedState?.activeBreak?.answersKey)
        let press = NtfyMessage(
            id: "m1", at: EngineHarness.t0.addingTimeInterval(5),
            message: AnswerButton(breakId: breakId, key: key, answer: "Okay.").body)
        first.completion(
            .read(.ntfy(channel: "alex", NtfyPoll.Result(messages: [press], lastId: "m1", unreadableLines: 0))))
        harness.settle()
        let relay = try #require(harness.transport.sent.first { $0.delivery.event == .answer })
        #expect(relay.delivery.channel == "desktop")
        #expect(relay.delivery.message == "Alex answered: Okay.")
        #expect(relay.savedBeforeSend)
        #expect(harness.savedState?.answerCursors == ["alex": "m1"])
        #expect(harness.savedState?.activeBreak?.answers?.map(\.text) == ["Okay."])

        _ = harness.request(ControlRequest(op: .back))
        harness.advance(to: 3600 + AnswerWindow.readGrace)
        harness.settle()
        #expect(harness.savedState?.answerWindows == nil)
        #expect(harness.savedState?.answerCursors == nil)
        // The next read was only scheduled (ntfy pauses between polls); none starts after the hour.
        #expect(harness.transport.reads.count == 1)
    }
}
