import Foundation
import Testing

@testable import BreatherCore

/// The rules that make a button press, a reply or a reaction the partner's answer, and the
/// readers of what ntfy and Matrix send back.
@Suite struct AnswerMatchingTests {
    typealias F = BreakFixture

    static let key = "0123456789abcdef0123456789abcdef"
    static let agreed = ["Thank you for telling me. Take your time.", "Okay. I'll be here."]
    static let announceEvent = "$announce-b1:example.org"
    static let partner = "@alex:example.org"

    /// The cool-down break of `BreakFixture`, running (or ended at `endedAt`).
    static func running(endedAt: Date? = nil) -> AnswerableBreak {
        AnswerableBreak(
            breakId: F.breakId, key: key, agreedAnswers: agreed, startedAt: F.t0, endedAt: endedAt,
            messageEvents: [announceEvent: F.at(0.2)])
    }

    static func press(
        _ answer: String = agreed[0], breakId: String = F.breakId, key: String = key, at seconds: Double = 60,
        id: String = "msg1"
    ) -> NtfyMessage {
        NtfyMessage(
            id: id, at: F.at(seconds), message: AnswerButton(breakId: breakId, key: key, answer: answer).body)
    }

    func ntfy(_ message: NtfyMessage, _ breaks: [AnswerableBreak] = [running()]) -> AnswerMatch {
        AnswerMatching.ntfy(message, channel: "alex", breaks: breaks)
    }

    // MARK: ntfy

    @Test func aButtonPressIsAnAnswer() {
        #expect(
            ntfy(Self.press())
                == .answer(
                    PartnerAnswer(
                        id: "msg1", breakId: "b1", text: Self.agreed[0], at: F.at(60), via: "alex", kind: .button)))
    }

    @Test func aForgedPressIsIgnored() {
        #expect(ntfy(Self.press(breakId: "b0")) == .ignored(.unknownBreak))
        #expect(ntfy(Self.press(key: "00000000000000000000000000000000")) == .ignored(.wrongKey))
        #expect(ntfy(Self.press(key: "")) == .ignored(.wrongKey))
        #expect(ntfy(Self.press("Whatever I say.")) == .ignored(.notAgreed))
        var keyless = Self.running()
        keyless.key = nil
        #expect(ntfy(Self.press(), [keyless]) == .ignored(.wrongKey))
    }

    @Test func otherTrafficOnTheTopicIsQuietlyIgnored() {
        #expect(ntfy(NtfyMessage(id: "k", at: F.at(5), event: "keepalive", message: nil)) == .ignored(.notAMessage))
        for text in [
            "Thank you for telling me. Take your time.", "{", "{}",
            #"{"breather": 2, "break_id": "b1", "key": "k", "answer": "a"}"#,
            #"{"breather": true, "break_id": "b1", "key": "k", "answer": "a"}"#, #"{"breather": 1, "break_id": "b1"}"#,
        ] {
            #expect(ntfy(NtfyMessage(id: "m", at: F.at(5), message: text)) == .ignored(.notAnAnswer), "\(text)")
        }
        #expect(ntfy(NtfyMessage(id: "m", at: F.at(5), message: nil)) == .ignored(.notAnAnswer))
        #expect(ntfy(Self.press(at: -3600)) == .ignored(.older))
        #expect(AnswerIgnoreReason.older.isWorthLogging == false)
    }

    @Test func theHourAfterTheEnd() {
        let ended = Self.running(endedAt: F.at(1800))
        #expect(ended.isOpen(now: F.at(1800 + 3599)))
        #expect(!ended.isOpen(now: F.at(1800 + 3600)))
        if case .answer(let answer) = ntfy(Self.press(at: 1800 + 3599), [ended]) {
            #expect(answer.breakId == "b1")
        } else {
            Issue.record("an answer within the hour belongs to the ended break")
        }
        #expect(ntfy(Self.press(at: 1800 + 3600), [ended]) == .ignored(.afterTheHour))
    }

    @Test func anAnswerFindsItsOwnBreak() {
        let old = Self.running(endedAt: F.at(1800))
        let new = AnswerableBreak(
            breakId: "b2", key: "fedcba9876543210fedcba9876543210", agreedAnswers: Self.agreed, startedAt: F.at(2400))
        let forOld = ntfy(Self.press(at: 2500), [new, old])
        #expect(
            forOld
                == .answer(
                    PartnerAnswer(
                        id: "msg1", breakId: "b1", text: Self.agreed[0], at: F.at(2500), via: "alex", kind: .button)))
        // The old break's key does not open the new one.
        #expect(ntfy(Self.press(breakId: "b2", at: 2500), [new, old]) == .ignored(.wrongKey))
    }

    @Test func aPressIsKeptOnce() {
        var brk = Self.running()
        brk.answered = ["msg1"]
        #expect(ntfy(Self.press(), [brk]) == .ignored(.alreadyKept))
        #expect(ntfy(Self.press(id: "msg2"), [brk]) != .ignored(.alreadyKept))
    }

    @Test func ntfyPollLines() {
        let body = """
            {"id":"o1","time":1795269600,"event":"open","topic":"answers"}

            {"id":"m1","time":1795269660,"expires":1795312860,"event":"message","topic":"answers","message":"{\\"breather\\": 1}"}
            not json at all: the partner's words
            {"id":"k1","time":1795269690,"event":"keepalive","topic":"answers"}
            {"id":"m2","time":1795269700,"event":"message","topic":"answers","message":"plain"}
            {"time":1795269700,"event":"message"}
            """
        let result = NtfyPoll.parse(Array(body.utf8))
        #expect(result.messages.map(\.id) == ["o1", "m1", "k1", "m2"])
        #expect(result.messages[1].message == #"{"breather": 1}"#)
        #expect(result.messages[1].at == F.at(60))
        #expect(result.lastId == "m2")
        #expect(result.unreadableLines == 2)
        #expect(NtfyPoll.parse([]).messages.isEmpty)
    }

    // MARK: The button

    @Test func theButtonsBody() throws {
        let button = AnswerButton(breakId: "b1", key: Self.key, answer: "Okay. \"I'll\" be here.")
        #expect(
            button.body
                == #"{"breather": 1, "break_id": "b1", "key": "0123456789abcdef0123456789abcdef", "answer": "Okay. \"I'll\" be here."}"#
        )
        #expect(AnswerButton.parse(button.body) == button)
    }

    @Test func keys() {
        let first = AnswerButton.newKey()
        #expect(first.count == 32)
        #expect(first.allSatisfy { $0.isHexDigit })
        #expect(first != AnswerButton.newKey())
        #expect(AnswerButton.sameKey(Self.key, Self.key))
        #expect(!AnswerButton.sameKey(Self.key, Self.key + "0"))
        #expect(!AnswerButton.sameKey(Self.key, String(Self.key.dropLast()) + "0"))
        #expect(!AnswerButton.sameKey("", Self.key))
    }

    // MARK: Matrix

    static func reply(
        _ body: String = "Take your time ❤", sender: String = partner, to target: String? = announceEvent,
        at seconds: Double = 60, id: String = "$r1"
    ) -> MatrixEvent {
        MatrixEvent(
            eventId: id, type: "m.room.message", sender: sender, at: F.at(seconds), inReplyTo: target, body: body)
    }

    static func reaction(_ key: String = "❤", sender: String = partner, on target: String = announceEvent)
        -> MatrixEvent
    {
        MatrixEvent(
            eventId: "$x1", type: "m.reaction", sender: sender, at: F.at(90), relType: "m.annotation",
            relatedEventId: target, reactionKey: key)
    }

    func matrix(_ event: MatrixEvent, _ breaks: [AnswerableBreak] = [running()]) -> AnswerMatch {
        AnswerMatching.matrix(event, channel: "alex-matrix", partner: Self.partner, breaks: breaks)
    }

    @Test func aReplyAndAReactionFromThePartnerAreAnswers() {
        #expect(
            matrix(Self.reply("> <@sam:example.org> I'm taking 30 minutes\n> to calm down.\n\n  Take your time ❤\n"))
                == .answer(
                    PartnerAnswer(
                        id: "$r1", breakId: "b1", text: "Take your time ❤", at: F.at(60), via: "alex-matrix",
                        kind: .reply)))
        #expect(
            matrix(Self.reaction())
                == .answer(
                    PartnerAnswer(
                        id: "$x1", breakId: "b1", text: "❤", at: F.at(90), via: "alex-matrix", kind: .reaction)
                ))
    }

    @Test func aReplyInAThreadOnBreathersMessage() {
        var event = Self.reply("Okay")
        event.inReplyTo = "$someone-elses"
        event.relType = "m.thread"
        event.relatedEventId = Self.announceEvent
        if case .answer(let answer) = matrix(event) {
            #expect(answer.text == "Okay")
        } else {
            Issue.record("a threaded reply on Breather's message is an answer")
        }
    }

    @Test func onlyThePartner() {
        #expect(matrix(Self.reply(sender: "@mallory:example.org")) == .ignored(.otherSender))
        #expect(matrix(Self.reaction(sender: "@sam:example.org")) == .ignored(.otherSender))
        #expect(AnswerIgnoreReason.otherSender.isWorthLogging)
    }

    @Test func aReplyToAnOldBreakDoesNotAttachToTheRunningOne() {
        let new = AnswerableBreak(breakId: "b2", startedAt: F.at(0), messageEvents: ["$announce-b2": F.at(1)])
        #expect(matrix(Self.reply(to: "$announce-b0"), [new]) == .ignored(.unknownMessage))
        let recent = Self.running(endedAt: F.at(1800))
        if case .answer(let answer) = matrix(Self.reply(at: 2000), [new, recent]) {
            #expect(answer.breakId == "b1")
        } else {
            Issue.record("a reply to the break that ended within the hour belongs to it")
        }
        #expect(matrix(Self.reply(at: 1800 + 3600), [new, recent]) == .ignored(.afterTheHour))
    }

    @Test func whatIsNotAnAnswer() {
        #expect(matrix(Self.reply(to: nil)) == .ignored(.notAnAnswer))
        #expect(matrix(Self.reply("  \n")) == .ignored(.empty))
        #expect(matrix(Self.reply("> quoted only\n")) == .ignored(.empty))
        #expect(matrix(Self.reaction("")) == .ignored(.empty))
        var edit = Self.reply()
        edit.relType = "m.replace"
        edit.relatedEventId = "$r0"
        #expect(matrix(edit) == .ignored(.edit))
        var redacted = Self.reply()
        redacted.isRedacted = true
        #expect(matrix(redacted) == .ignored(.redacted))
        var state = Self.reply()
        state.isState = true
        #expect(matrix(state) == .ignored(.notAnAnswer))
        var other = Self.reaction()
        other.type = "m.room.topic"
        #expect(matrix(other) == .ignored(.notAnAnswer))
        var reference = Self.reaction()
        reference.relType = "m.reference"
        #expect(matrix(reference) == .ignored(.notAnAnswer))
        var extended = Self.running()
        extended.messageEvents["$extend-b1"] = F.at(1000)
        #expect(matrix(Self.reply(to: "$extend-b1", at: 900), [extended]) == .ignored(.beforeItsMessage))
        #expect(matrix(Self.reply(to: "$extend-b1", at: 950), [extended]) != .ignored(.beforeItsMessage))
        #expect(matrix(Self.reply(at: -7200)) == .ignored(.older))
        var kept = Self.running()
        kept.answered = ["$r1"]
        #expect(matrix(Self.reply(), [kept]) == .ignored(.alreadyKept))
    }

    @Test func reasonsNeverCarryTheWords() {
        let words = "the partner's secret words"
        let verdicts = [
            matrix(Self.reply(words, sender: "@mallory:example.org")), matrix(Self.reply(words, to: "$elsewhere")),
            ntfy(Self.press(words)), ntfy(NtfyMessage(id: "m", at: F.at(5), message: words)),
        ]
        for verdict in verdicts {
            guard case .ignored(let reason) = verdict else {
                Issue.record("\(verdict) should be ignored")
                continue
            }
            #expect(!reason.description.contains("secret"))
        }
        for reason in AnswerIgnoreReason.allCases {
            #expect(reason.description.hasPrefix("It"))
            #expect(reason.description.hasSuffix("."))
        }
    }

    @Test func syncTimeline() throws {
        let room = "!room:example.org"
        let body = #"""
            {"next_batch": "s72595_4483_1934", "rooms": {"join": {
              "!room:example.org": {"timeline": {"limited": true, "prev_batch": "t34-23535_0_0", "events": [
                {"type": "m.room.member", "state_key": "@alex:example.org", "sender": "@alex:example.org",
                 "event_id": "$m1", "origin_server_ts": 1795269600000, "content": {"membership": "join"}},
                {"type": "m.room.message", "sender": "@alex:example.org", "event_id": "$r1",
                 "origin_server_ts": 1795269660000, "content": {"msgtype": "m.text", "body": "Take your time",
                 "m.relates_to": {"m.in_reply_to": {"event_id": "$announce-b1:example.org"}}}},
                {"type": "m.reaction", "sender": "@alex:example.org", "event_id": "$x1",
                 "origin_server_ts": 1795269690000, "content": {"m.relates_to": {
                 "rel_type": "m.annotation", "event_id": "$announce-b1:example.org", "key": "❤"}}},
                {"type": "m.room.message", "sender": "@alex:example.org", "event_id": "$gone",
                 "origin_server_ts": 1795269700000, "content": {},
                 "unsigned": {"redacted_because": {"type": "m.room.redaction"}}},
                {"type": "m.room.message", "event_id": "$broken"}
              ]}},
              "!other:example.org": {"timeline": {"events": [
                {"type": "m.room.message", "sender": "@alex:example.org", "event_id": "$o1",
                 "origin_server_ts": 1795269660000, "content": {"body": "elsewhere"}}]}}
            }}}
            """#
        let result = try #require(MatrixSync.parse(Array(body.utf8), room: room))
        #expect(result.nextBatch == "s72595_4483_1934")
        #expect(result.limited)
        #expect(result.prevBatch == "t34-23535_0_0")
        #expect(result.events.map(\.eventId) == ["$m1", "$r1", "$x1", "$gone"])
        #expect(result.events[0].isState)
        #expect(result.events[1].inReplyTo == Self.announceEvent)
        #expect(result.events[1].at == F.at(60))
        #expect(result.events[2].reactionKey == "❤")
        #expect(result.events[3].isRedacted)
        let verdicts = result.events.map { matrix($0) }
        #expect(
            verdicts.map { if case .answer(let a) = $0 { a.text } else { nil } } == [
                nil, "Take your time", "❤", nil,
            ])

        let quiet = try #require(MatrixSync.parse(Array(#"{"next_batch": "s1"}"#.utf8), room: room))
        #expect(quiet.events.isEmpty)
        #expect(MatrixSync.parse(Array("<html>".utf8), room: room) == nil)
        #expect(MatrixSync.parse(Array(#"{"rooms": {}}"#.utf8), room: room) == nil)
    }

    @Test func aServiceTimeTheStateFileCouldNotHoldIsUnreadableNotATrap() throws {
        let ntfy = #"""
            {"id": "far", "time": 1e17, "event": "message", "message": "x"}
            {"id": "neg", "time": -5, "event": "message", "message": "x"}
            {"id": "ok", "time": 1795269600, "event": "message", "message": "x"}
            """#
        let poll = NtfyPoll.parse(Array(ntfy.utf8))
        #expect(poll.messages.map(\.id) == ["ok"])
        #expect(poll.unreadableLines == 2)
        let page = #"""
            {"chunk": [
              {"event_id": "$far", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 1e20,
               "content": {"body": "x"}},
              {"event_id": "$ok", "type": "m.room.message", "sender": "@a:x", "origin_server_ts": 1795269600000,
               "content": {"body": "x"}}
            ], "end": "t1"}
            """#
        #expect(try #require(MatrixSync.parseGapPage(Array(page.utf8))).events.map(\.eventId) == ["$ok"])
    }

    @Test func aPageOfTheEventsALimitedSyncLeftOut() throws {
        let body = #"""
            {"chunk": [
              {"event_id": "$b", "type": "m.room.message", "sender": "@alex:example.org", "origin_server_ts": 2000,
               "content": {"body": "later"}, "unsigned": {"transaction_id": "t2"}},
              {"event_id": "$a", "type": "m.room.message", "sender": "@alex:example.org", "origin_server_ts": 1000,
               "content": {"body": "earlier"}}
            ], "start": "t9", "end": "t7"}
            """#
        let page = try #require(MatrixSync.parseGapPage(Array(body.utf8)))
        #expect(page.events.map(\.eventId) == ["$b", "$a"])
        #expect(page.events.first?.transactionId == "t2")
        #expect(page.end == "t7")
        let last = try #require(MatrixSync.parseGapPage(Array(#"{"chunk": [], "start": "t7"}"#.utf8)))
        #expect(last.events.isEmpty && last.end == nil)
        #expect(MatrixSync.parseGapPage(Array("<html>".utf8)) == nil)
        let request = AnswerPollRequest.matrixGap(
            roomUrl: "https://m.example.org/_matrix/client/v3/rooms/!r:example.org/", from: "t9", to: "s1",
            token: "syt_x", timeout: 10)
        #expect(request.url.hasPrefix("https://m.example.org/_matrix/client/v3/rooms/!r:example.org/messages?dir=b"))
        #expect(request.url.contains("&from=t9&to=s1&"))
    }

    @Test func roomIdFromTheChannelsURL() {
        #expect(
            MatrixSync.roomId(fromURL: "https://m.example.org/_matrix/client/v3/rooms/!room:example.org")
                == "!room:example.org")
        #expect(
            MatrixSync.roomId(fromURL: "https://m.example.org/_matrix/client/v3/rooms/%21room%3Aexample.org/")
                == "!room:example.org")
        #expect(MatrixSync.roomId(fromURL: "https://m.example.org/_matrix/client/v3/rooms/") == nil)
        #expect(MatrixSync.roomId(fromURL: "https://m.example.org/_matrix/client/v3/rooms/#alias:x") == nil)
    }

    // MARK: Poll requests

    @Test func ntfyPollRequest() throws {
        let first = try AnswerPollRequest.ntfy(
            answersUrl: "https://ntfy.example.org/sam-and-alex-answers", from: .since(F.t0), token: "tk", timeout: 10)
        #expect(first.method == "GET")
        #expect(first.url == "https://ntfy.example.org/sam-and-alex-answers/json?poll=1&since=1795269540")
        #expect(first.headers.last.map { "\($0.name): \($0.value)" } == "Authorization: Bearer tk")
        #expect(first.keepsBody)
        let next = try AnswerPollRequest.ntfy(
            answersUrl: "https://example.org/ntfy/answers", from: .after("m2"), token: nil, timeout: 10)
        #expect(next.url == "https://example.org/ntfy/answers/json?poll=1&since=m2")
        #expect(!next.headers.contains { $0.name == "Authorization" })
    }

    @Test func matrixSyncRequest() throws {
        let url = "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org"
        let first = try AnswerPollRequest.matrix(roomUrl: url, since: nil, token: "syt", timeout: 10)
        let filter = URLParts.percentEncode(AnswerPollRequest.matrixFilter(room: "!room:example.org"))
        #expect(first.url == "https://matrix.example.org/_matrix/client/v3/sync?filter=\(filter)&timeout=0")
        #expect(first.timeout == 10)
        let next = try AnswerPollRequest.matrix(roomUrl: url, since: "s72595_4483", token: "syt", timeout: 10)
        #expect(next.url.hasSuffix("&since=s72595_4483&timeout=30000"))
        #expect(next.timeout == 40)
        #expect(next.headers.last.map { "\($0.name): \($0.value)" } == "Authorization: Bearer syt")
        let parsed =
            try JSONSerialization.jsonObject(
                with: Data(AnswerPollRequest.matrixFilter(room: "!room:example.org").utf8)) as? [String: Any]
        let roomFilter = parsed?["room"] as? [String: Any]
        #expect(roomFilter?["rooms"] as? [String] == ["!room:example.org"])
        #expect((roomFilter?["timeline"] as? [String: Any])?["types"] as? [String] == ["m.room.message", "m.reaction"])
        #expect(throws: PresetRequest.Error.self) {
            try AnswerPollRequest.matrix(roomUrl: "https://matrix.example.org/", since: nil, token: "t", timeout: 10)
        }
    }
}
