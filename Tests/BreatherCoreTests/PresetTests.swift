import Foundation
import Testing

@testable import BreatherCore

/// Each preset's request, byte for byte, against the service's documented API.
@Suite struct PresetTests {
    let sentAt = Date(timeIntervalSince1970: 1_795_350_600.25)

    var reminder: Delivery {
        let due = Date(timeIntervalSince1970: 1_795_350_600)
        return Delivery(
            id: "b1-r0.1-alex", event: .reminder, channel: "alex", breakId: "b1", plan: "cool-down",
            message: "Sam said \"back at 14:30\".\nÇa va?", checkinAt: due.addingTimeInterval(300), dueAt: due,
            offsetSeconds: -300, reminderIndex: 0, createdAt: due, expiresAt: due.addingTimeInterval(86400),
            nextAttemptAt: due
        )
    }

    func build(_ preset: Webhook.Preset, _ url: String, token: String? = nil) throws(PresetRequest.Error) -> HTTPRequest
    {
        try PresetRequest.build(
            reminder, preset: preset, url: url, token: token, timeout: Span(seconds: 10), sentAt: sentAt)
    }

    func headerLines(_ request: HTTPRequest) -> [String] {
        request.headers.map { "\($0.name): \($0.value)" }
    }

    @Test func json() throws {
        let request = try build(.json, "https://hooks.example.org/x", token: "T0KEN")
        #expect(request.method == "POST")
        #expect(request.url == "https://hooks.example.org/x")
        #expect(
            headerLines(request) == [
                "Content-Type: application/json", "Idempotency-Key: b1-r0.1-alex",
                "User-Agent: breather/\(BreatherVersion.current)", "Authorization: Bearer T0KEN",
            ])
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"event": "reminder", "message": "Sam said \"back at 14:30\".\nÇa va?", "plan": "cool-down", "break_id": "b1", "delivery_id": "b1-r0.1-alex", "checkin_at": "2026-11-22T12:35:00.000Z", "due_at": "2026-11-22T12:30:00.000Z", "sent_at": "2026-11-22T12:30:00.250Z", "late_seconds": 0.250, "offset_seconds": -300}"#
        )
        #expect(request.timeout == 10)
    }

    @Test func ntfyPublishesJSONToTheServerRoot() throws {
        let request = try build(.ntfy, "https://ntfy.example.org/sam-and-alex", token: "tk")
        #expect(request.method == "POST")
        #expect(request.url == "https://ntfy.example.org/")
        #expect(headerLines(request).last == "Authorization: Bearer tk")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"topic": "sam-and-alex", "title": "Breather", "message": "Sam said \"back at 14:30\".\nÇa va?", "priority": 3, "tags": ["reminder"]}"#
        )
    }

    @Test func ntfyUnderASubPath() throws {
        let request = try build(.ntfy, "https://example.org/ntfy/topic1")
        #expect(request.url == "https://example.org/ntfy/")
        #expect(!headerLines(request).contains { $0.hasPrefix("Authorization") })
    }

    /// The announcement of break b1, offering two answers.
    var announcement: Delivery {
        let due = Date(timeIntervalSince1970: 1_795_350_600)
        var delivery = Delivery(
            id: "b1-announce-alex", event: .announce, channel: "alex", breakId: "b1", plan: "cool-down",
            message: "Back at 14:30.", checkinAt: due.addingTimeInterval(1800), dueAt: due, offsetSeconds: nil,
            createdAt: due, expiresAt: due.addingTimeInterval(86400), nextAttemptAt: due)
        delivery.answers = ["Thank you for telling me. Take your time.", "Okay. \"I'll\" be here."]
        delivery.answersKey = "0123456789abcdef0123456789abcdef"
        return delivery
    }

    @Test func ntfyOffersTheAnswersAsHTTPButtons() throws {
        let request = try PresetRequest.build(
            announcement, preset: .ntfy, url: "https://ntfy.example.org/sam-and-alex", token: "tk",
            timeout: Span(seconds: 10), sentAt: sentAt,
            answerTopic: AnswerTopic(url: "https://ntfy.example.org/sam-and-alex-answers", token: "tk_write"))
        #expect(request.url == "https://ntfy.example.org/")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"topic": "sam-and-alex", "title": "Breather", "message": "Back at 14:30.", "priority": 3, "tags": ["announce"], "actions": [{"action": "http", "label": "Thank you for telling me. Take your time.", "url": "https://ntfy.example.org/sam-and-alex-answers", "method": "POST", "headers": {"Authorization": "Bearer tk_write"}, "body": "{\"breather\": 1, \"break_id\": \"b1\", \"key\": \"0123456789abcdef0123456789abcdef\", \"answer\": \"Thank you for telling me. Take your time.\"}", "clear": true}, {"action": "http", "label": "Okay. \"I'll\" be here.", "url": "https://ntfy.example.org/sam-and-alex-answers", "method": "POST", "headers": {"Authorization": "Bearer tk_write"}, "body": "{\"breather\": 1, \"break_id\": \"b1\", \"key\": \"0123456789abcdef0123456789abcdef\", \"answer\": \"Okay. \\\"I'll\\\" be here.\"}", "clear": true}]}"#
        )
    }

    @Test func whatAButtonSendsIsAnAnswer() throws {
        let request = try PresetRequest.build(
            announcement, preset: .ntfy, url: "https://ntfy.example.org/sam-and-alex", token: nil,
            timeout: Span(seconds: 10), sentAt: sentAt,
            answerTopic: AnswerTopic(url: "https://ntfy.example.org/sam-and-alex-answers"))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let actions = try #require(body["actions"] as? [[String: Any]])
        #expect(actions.count == 2)
        #expect(actions[0]["headers"] == nil)
        let pressed = try #require(actions[1]["body"] as? String)
        let brk = AnswerableBreak(
            breakId: "b1", key: announcement.answersKey, agreedAnswers: announcement.answers ?? [],
            startedAt: announcement.dueAt)
        let message = NtfyMessage(id: "m1", at: announcement.dueAt.addingTimeInterval(30), message: pressed)
        #expect(
            AnswerMatching.ntfy(message, channel: "alex", breaks: [brk])
                == .answer(
                    PartnerAnswer(
                        id: "m1", breakId: "b1", text: #"Okay. "I'll" be here."#, at: message.at, via: "alex",
                        kind: .button)))
    }

    @Test func noButtonsWithoutAnswersOrATopic() throws {
        func body(_ delivery: Delivery, _ topic: AnswerTopic?) throws -> String {
            let request = try PresetRequest.build(
                delivery, preset: .ntfy, url: "https://ntfy.example.org/sam-and-alex", token: nil,
                timeout: Span(seconds: 10), sentAt: sentAt, answerTopic: topic)
            return String(decoding: request.body, as: UTF8.self)
        }
        let topic = AnswerTopic(url: "https://ntfy.example.org/sam-and-alex-answers")
        #expect(try !body(announcement, nil).contains("actions"))
        var keyless = announcement
        keyless.answersKey = nil
        #expect(try !body(keyless, topic).contains("actions"))
        var none = announcement
        none.answers = []
        #expect(try !body(none, topic).contains("actions"))
        #expect(try !body(reminder, topic).contains("actions"))
        // Other presets do not draw buttons.
        let json = try PresetRequest.build(
            announcement, preset: .json, url: "https://hooks.example.org/x", token: nil, timeout: Span(seconds: 10),
            sentAt: sentAt, answerTopic: topic)
        #expect(!String(decoding: json.body, as: UTF8.self).contains("0123456789abcdef"))
    }

    @Test func slackAndDiscord() throws {
        let slack = try build(.slack, "https://hooks.slack.example/services/A/B/C")
        #expect(String(decoding: slack.body, as: UTF8.self) == #"{"text": "Sam said \"back at 14:30\".\nÇa va?"}"#)
        #expect(slack.method == "POST")
        let discord = try build(.discord, "https://discord.example/api/webhooks/1/x")
        #expect(String(decoding: discord.body, as: UTF8.self) == #"{"content": "Sam said \"back at 14:30\".\nÇa va?"}"#)
        #expect(headerLines(discord).first == "Content-Type: application/json")
    }

    @Test func matrixUsesTheDeliveryIdAsTransactionId() throws {
        let request = try build(
            .matrix, "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org/", token: "syt_abc")
        #expect(request.method == "PUT")
        #expect(
            request.url
                == "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org/send/m.room.message/b1-r0.1-alex"
        )
        #expect(headerLines(request).last == "Authorization: Bearer syt_abc")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"msgtype": "m.text", "body": "Sam said \"back at 14:30\".\nÇa va?"}"#)
        #expect(throws: PresetRequest.Error.self) {
            try build(.matrix, "https://matrix.example.org/_matrix/client/v3/rooms/!r:x")
        }
    }

    @Test func telegramMovesTheChatIntoTheBody() throws {
        let request = try build(.telegram, "https://api.telegram.org/bot123:ABC/sendMessage?chat_id=-1001")
        #expect(request.url == "https://api.telegram.org/bot123:ABC/sendMessage")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"chat_id": -1001, "text": "Sam said \"back at 14:30\".\nÇa va?"}"#)
        let named = try build(.telegram, "https://api.telegram.org/bot1:A/sendMessage?chat_id=@samandalex")
        #expect(String(decoding: named.body, as: UTF8.self).hasPrefix(#"{"chat_id": "@samandalex""#))
        #expect(throws: PresetRequest.Error.self) {
            try build(.telegram, "https://api.telegram.org/bot1:A/sendMessage")
        }
    }

    @Test func gotify() throws {
        let request = try build(.gotify, "https://gotify.example.org", token: "AppTok")
        #expect(request.url == "https://gotify.example.org/message")
        #expect(headerLines(request).last == "X-Gotify-Key: AppTok")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"title": "Breather", "message": "Sam said \"back at 14:30\".\nÇa va?", "priority": 5}"#)
        #expect(throws: PresetRequest.Error.self) { try build(.gotify, "https://gotify.example.org") }
    }

    @Test func presetErrorsNeverEchoTheURL() {
        let secret = "https://api.telegram.org/botSECRET123/oops"
        do {
            _ = try build(.telegram, secret)
            Issue.record("expected an error")
        } catch {
            #expect(!String(describing: error).contains("SECRET123"))
        }
    }
}
