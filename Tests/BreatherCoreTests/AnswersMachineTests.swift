import Foundation
import Testing

@testable import BreatherCore

/// The partner's answers in the break machine: what is read where, what is kept, relayed
/// and written to history, and what is turned away.
@Suite struct AnswersMachineTests {
    typealias F = BreakFixture
    static let room = "https://matrix.example.org/_matrix/client/v3/rooms/!r:example.org"
    static let agreed = ["Thank you for telling me. Take your time.", "Okay. I'll be here."]

    static func machine() -> BreakMachine {
        var ntfy = Webhook(preset: .ntfy, url: "https://ntfy.example.org/sam-to-alex")
        ntfy.answersUrl = "https://ntfy.example.org/sam-and-alex-answers"
        var matrix = Webhook(preset: .matrix, url: room)
        matrix.partnerUserId = "@alex:example.org"
        let settings = Settings(
            me: "Sam", partner: "Alex", defaultPlan: "cool-down",
            channels: [
                "alex": Channel(name: "alex", kind: .webhook, webhook: ntfy),
                "alex-matrix": Channel(name: "alex-matrix", kind: .webhook, webhook: matrix),
                "desktop": Channel(name: "desktop", kind: .desktop),
            ])
        var machine = BreakMachine(state: BreatherState(), settings: settings, values: F.utc)
        machine.newAnswersKey = { "k3y" }
        return machine
    }

    static func plan() throws -> Plan {
        var plan = try F.coolDown(announceTo: ["alex", "alex-matrix"])
        plan.announce?.answers = agreed
        return plan
    }

    static func started(_ machine: inout BreakMachine, _ id: String = F.breakId, at seconds: Double = 0) throws {
        _ = try machine.apply(.start(plan: try plan(), duration: nil, note: nil, breakId: id), now: F.at(seconds))
    }

    static func press(_ answer: String, breakId: String = F.breakId, key: String = "k3y", id: String = "m1", at: Double)
        -> AnswersRead
    {
        let body = AnswerButton(breakId: breakId, key: key, answer: answer).body
        let poll = NtfyPoll.Result(
            messages: [NtfyMessage(id: id, at: F.at(at), message: body)], lastId: id, unreadableLines: 0)
        return .ntfy(channel: "alex", poll)
    }

    static func sync(_ events: [MatrixEvent], next: String = "s2") -> AnswersRead {
        .matrix(
            channel: "alex-matrix", MatrixSync.Result(nextBatch: next, events: events, limited: false, prevBatch: nil),
            ownUserId: "@sam-bot:example.org")
    }

    static func own(_ id: String, at: Double) -> MatrixEvent {
        MatrixEvent(
            eventId: id, type: "m.room.message", sender: "@sam-bot:example.org", at: F.at(at), body: "I'm taking…")
    }

    static func reply(_ text: String, to: String, from: String = "@alex:example.org", id: String, at: Double)
        -> MatrixEvent
    {
        MatrixEvent(
            eventId: id, type: "m.room.message", sender: from, at: F.at(at), inReplyTo: to, body: text)
    }

    @Test func nothingIsReadWithoutABreakOrAChannelThatBringsAnswers() throws {
        var machine = Self.machine()
        #expect(machine.answerReadings(now: F.t0).isEmpty)
        _ = try machine.apply(.start(plan: try F.coolDown(), duration: nil, note: nil, breakId: "b0"), now: F.t0)
        // The plan offers no answers: ntfy has no buttons, so its answers topic is not read.
        #expect(machine.answerReadings(now: F.at(1)).isEmpty)
        #expect(machine.state.activeBreak?.answersKey == nil)
    }

    @Test func theAnnouncementCarriesTheAgreedAnswersAndTheBreaksKey() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        let announce = try #require(machine.state.outbox.first { $0.event == .announce && $0.channel == "alex" })
        #expect(announce.answers == Self.agreed)
        #expect(announce.answersKey == "k3y")
        let readings = machine.answerReadings(now: F.at(1))
        #expect(readings.map(\.channel) == ["alex", "alex-matrix"])
        #expect(readings.allSatisfy { $0.breakRuns && $0.cursor == nil && $0.since == F.t0 })
    }

    @Test func aButtonPressIsKeptRelayedShownAndWrittenToHistory() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        let read = machine.answersRead(Self.press(Self.agreed[0], at: 120), now: F.at(125))
        #expect(machine.state.activeBreak?.answers?.map(\.text) == [Self.agreed[0]])
        #expect(machine.state.answerCursors == ["alex": "m1"])
        let relay = try #require(machine.state.outbox.first { $0.event == .answer })
        #expect(relay.channel == "desktop")
        #expect(relay.id == "b1-answer1-desktop")
        #expect(relay.message == "Alex answered: Thank you for telling me. Take your time.")
        #expect(read.attempts.map(\.id) == ["b1-answer1-desktop"])
        // The journal says that an answer came, never its words.
        #expect(read.records.journal.map { $0.fields["event"] } == ["answer"])
        #expect(!read.records.journal.contains { $0.message.contains("Take your time") })
        let status = StatusReport(state: machine.state, now: F.at(130))
        #expect(status.break?.answers == [AnswerEntry(at: F.at(120), text: Self.agreed[0])])

        let back = try machine.apply(.back, now: F.at(600))
        #expect(back.records.history.first?.answers == [AnswerEntry(at: F.at(120), text: Self.agreed[0])])
    }

    @Test func theSamePressReadAgainAfterARestartIsNotRelayedTwice() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        _ = machine.answersRead(Self.press(Self.agreed[1], at: 60), now: F.at(61))
        var restarted = Self.machine()
        restarted = BreakMachine(state: try F.roundTrip(machine.state), settings: restarted.settings, values: F.utc)
        let again = restarted.answersRead(Self.press(Self.agreed[1], at: 60), now: F.at(70))
        // The first relay, never finished, is tried again under its one id; no second is made.
        #expect(again.attempts.filter { $0.event == .answer }.map(\.id) == ["b1-answer1-desktop"])
        #expect(!again.records.journal.contains { $0.fields["event"] == "answer" })
        #expect(restarted.state.activeBreak?.answers?.count == 1)
        #expect(restarted.state.outbox.filter { $0.event == .answer }.count == 1)
    }

    @Test func forgedPressesAreTurnedAwayWithTheirReasonAndWithoutTheirWords() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        let cases: [(AnswersRead, String)] = [
            (Self.press(Self.agreed[0], breakId: "b-other", id: "f1", at: 30), "unknown_break"),
            (Self.press(Self.agreed[0], key: "guessed", id: "f2", at: 30), "wrong_key"),
            (Self.press("Come back right now", id: "f3", at: 30), "not_agreed"),
        ]
        for (read, reason) in cases {
            let transition = machine.answersRead(read, now: F.at(31))
            #expect(transition.attempts.isEmpty)
            let line = try #require(transition.records.journal.first)
            #expect(line.fields["event"] == "answer_ignored")
            #expect(line.fields["answer_reason"] == reason)
            #expect(!line.message.contains("right now") && !line.message.contains("Take your time"))
        }
        #expect(machine.state.activeBreak?.answers == nil)
    }

    @Test func manyForgeriesInOneReadAreOneJournalLineAndAnswersAreBounded() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        let forged = (0..<500).map { n in
            NtfyMessage(
                id: "f\(n)", at: F.at(30), message: AnswerButton(breakId: "x\(n)", key: "k", answer: "hi").body)
        }
        let flood = machine.answersRead(
            .ntfy(channel: "alex", NtfyPoll.Result(messages: forged, lastId: "f499", unreadableLines: 0)), now: F.at(31)
        )
        #expect(flood.records.journal.count == 1)
        #expect(flood.records.journal.first?.message.hasPrefix("500 things read on alex") == true)

        let long = String(repeating: "a", count: 5000)
        let replies =
            [Self.own("$announce", at: 1)]
            + (0..<30).map { Self.reply($0 == 0 ? long : "thanks \($0)", to: "$announce", id: "$r\($0)", at: 40) }
        _ = machine.answersRead(Self.sync(replies), now: F.at(41))
        let answers = try #require(machine.state.activeBreak?.answers)
        #expect(answers.count == PartnerAnswer.keptPerBreak)
        #expect(answers[0].text.count == PartnerAnswer.longestText + 1)
    }

    @Test func aMatrixReplyToBreathersOwnMessageIsAnAnswerAndAThirdPersonsIsNot() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        let read = machine.answersRead(
            Self.sync([
                Self.own("$announce", at: 1),
                Self.reply("> I'm taking…\n\nI love you. Take the time you need.", to: "$announce", id: "$r1", at: 50),
                Self.reply("Whatever", to: "$announce", from: "@mallory:example.org", id: "$r2", at: 55),
                MatrixEvent(
                    eventId: "$x1", type: "m.reaction", sender: "@alex:example.org", at: F.at(60),
                    relType: "m.annotation", relatedEventId: "$announce", reactionKey: "❤"),
            ]), now: F.at(61))
        #expect(machine.state.activeBreak?.answers?.map(\.text) == ["I love you. Take the time you need.", "❤"])
        #expect(machine.state.answerCursors == ["alex-matrix": "s2"])
        #expect(read.attempts.map(\.id) == ["b1-answer1-desktop", "b1-answer2-desktop"])
        let ignored = read.records.journal.filter { $0.fields["event"] == "answer_ignored" }
        #expect(ignored.map { $0.fields["answer_reason"] } == ["other_sender"])
        #expect(!ignored[0].message.contains("Whatever") && !ignored[0].message.contains("mallory"))
    }

    @Test func aQuietLongPollMovesTheReadPositionWithoutAChangeToSave() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        _ = machine.answersRead(Self.sync([Self.own("$announce", at: 1)], next: "s1"), now: F.at(2))
        let saved = machine.state
        _ = machine.answersRead(Self.sync([], next: "s2"), now: F.at(32))
        #expect(machine.state == saved)
        #expect(machine.answerReadings(now: F.at(33)).first { $0.channel == "alex-matrix" }?.cursor == "s2")
        // After a restart the saved position is read again: nothing is skipped.
        let restarted = BreakMachine(state: saved, settings: machine.settings, values: F.utc)
        #expect(restarted.answerReadings(now: F.at(50)).first { $0.channel == "alex-matrix" }?.cursor == "s1")
        // A read that brings something saves its position with it.
        let reply = Self.reply("Thank you", to: "$announce", id: "$r", at: 40)
        _ = machine.answersRead(Self.sync([reply], next: "s3"), now: F.at(41))
        #expect(machine.state.answerCursors?["alex-matrix"] == "s3")
        #expect(machine.answerReadings(now: F.at(42)).first { $0.channel == "alex-matrix" }?.cursor == "s3")
    }

    @Test func aReplyToAnEndedBreaksMessageBelongsToThatBreakNotTheRunningOne() throws {
        var machine = Self.machine()
        try Self.started(&machine, "b1")
        _ = machine.answersRead(Self.sync([Self.own("$old", at: 1)], next: "s1"), now: F.at(2))
        _ = try machine.apply(.cancel, now: F.at(300))
        try Self.started(&machine, "b2", at: 400)
        #expect(machine.answerReadings(now: F.at(401)).first { $0.channel == "alex-matrix" }?.cursor == "s1")
        let read = machine.answersRead(
            Self.sync([Self.own("$new", at: 401), Self.reply("Thank you", to: "$old", id: "$r", at: 500)]),
            now: F.at(501))
        #expect(machine.state.activeBreak?.answers == nil)
        let window = try #require(machine.state.answerWindows?.first)
        #expect(window.break.answers?.map(\.text) == ["Thank you"])
        // History gets the ended break's record again, now with the answer.
        #expect(read.records.history.map(\.breakId) == ["b1"])
        #expect(read.records.history.first?.answers?.map(\.text) == ["Thank you"])
    }

    @Test func anOwnMessageReadOnlyAfterTheNextBreakBeganStillBelongsToTheBreakItsTransactionNames() throws {
        var machine = Self.machine()
        try Self.started(&machine, "b1")
        _ = try machine.apply(.cancel, now: F.at(1))
        try Self.started(&machine, "b2", at: 1.2)
        var announce = Self.own("$old", at: 1.1)
        announce.transactionId = "b1-announce-alex-matrix"
        _ = machine.answersRead(
            Self.sync([announce, Self.reply("Sorry, I only now saw this.", to: "$old", id: "$r", at: 30)]),
            now: F.at(31))
        #expect(machine.state.activeBreak?.answers == nil)
        #expect(machine.state.answerWindows?.first?.break.answers?.map(\.text) == ["Sorry, I only now saw this."])
    }

    @Test func anHourAfterTheEndNothingIsReadAndWhereReadingStoodIsForgotten() throws {
        var machine = Self.machine()
        try Self.started(&machine)
        _ = machine.answersRead(Self.press(Self.agreed[0], at: 60), now: F.at(61))
        _ = try machine.apply(.back, now: F.at(600))
        let afterwards = machine.answerReadings(now: F.at(601))
        #expect(afterwards.map(\.channel) == ["alex", "alex-matrix"])
        #expect(afterwards.allSatisfy { !$0.breakRuns })
        // Read a little past the hour, for an answer given in its last minute.
        #expect(machine.nextWake() == F.at(600 + 3600 + 120))
        _ = machine.advance(now: F.at(600 + 3600))
        #expect(machine.answerReadings(now: F.at(600 + 3600)).count == 2)
        let lastMinute = machine.answersRead(
            Self.press(Self.agreed[1], id: "m2", at: 600 + 3590), now: F.at(3600 + 630))
        #expect(lastMinute.records.history.first?.answers?.count == 2)
        _ = machine.advance(now: F.at(600 + 3600 + 120))
        #expect(machine.answerReadings(now: F.at(600 + 3600 + 120)).isEmpty)
        #expect(machine.state.answerWindows == nil)
        #expect(machine.state.answerCursors == nil)
        // A read that comes back after the hour has nothing left to answer.
        let late = machine.answersRead(Self.press(Self.agreed[1], id: "m9", at: 4000), now: F.at(4400))
        #expect(late.attempts.isEmpty && late.records.history.isEmpty)
    }
}
