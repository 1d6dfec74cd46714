import Foundation
import Testing

@testable import BreatherCore

@Suite("JSON webhook preset")
struct JSONPresetTests {
    static let url = "https://hooks.example.org/alex"

    /// The announce of the cool-down break, as the machine makes it.
    func announce() throws -> Delivery {
        let (_, effects) = try BreakFixture.started()
        return try #require(effects.attempts.first)
    }

    /// The -5m reminder to the webhook, as the machine makes it.
    func reminder() throws -> Delivery {
        let plan = try BreakFixture.coolDown(reminders: [
            BreakFixture.reminder("-5m", ["alex"], "{minutes_left} minutes until {me} checks in with you, as promised.")
        ])
        var (machine, start) = try BreakFixture.started(plan)
        machine.deliverAll(start, now: BreakFixture.t0)
        return try #require(machine.tick(now: BreakFixture.checkin.addingTimeInterval(-300)).attempts.first)
    }

    func body(_ request: HTTPRequest) -> String {
        String(decoding: request.body, as: UTF8.self)
    }

    func header(_ name: String, of request: HTTPRequest) -> [String] {
        request.headers.filter { $0.name == name }.map(\.value)
    }

    @Test func announceBodyIsGolden() throws {
        let request = JSONPreset.request(
            for: try announce(), url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.at(0.003))
        let golden =
            #"{"event": "announce", "message": "I'll come find you at 14:30.", "plan": "cool-down", "break_id": "b1", "delivery_id": "b1-announce-alex", "checkin_at": "2026-11-21T14:30:00.000Z", "due_at": "2026-11-21T14:00:00.000Z", "sent_at": "2026-11-21T14:00:00.003Z", "late_seconds": 0.003}"#
        #expect(request.body == Array(golden.utf8))
    }

    @Test func reminderBodyIsGolden() throws {
        let delivery = try reminder()
        let request = JSONPreset.request(
            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10),
            sentAt: delivery.dueAt.addingTimeInterval(1.25))
        let golden =
            #"{"event": "reminder", "message": "5 minutes until Sam checks in with you, as promised.", "plan": "cool-down", "break_id": "b1", "delivery_id": "b1-r0.1-alex", "checkin_at": "2026-11-21T14:30:00.000Z", "due_at": "2026-11-21T14:25:00.000Z", "sent_at": "2026-11-21T14:25:01.250Z", "late_seconds": 1.250, "offset_seconds": -300}"#
        #expect(request.body == Array(golden.utf8))
    }

    @Test func bodyIsValidJSONWithKeysInTheSpecsOrder() throws {
        let delivery = try reminder()
        let request = JSONPreset.request(
            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: delivery.dueAt)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["offset_seconds"] as? Int == -300)
        #expect(object["late_seconds"] as? Double == 0)
        #expect(object["delivery_id"] as? String == delivery.id)
        let text = body(request)
        let keys = [
            "event", "message", "plan", "break_id", "delivery_id", "checkin_at", "due_at", "sent_at", "late_seconds",
            "offset_seconds",
        ]
        let positions = keys.map { text.range(of: "\"\($0)\": ")?.lowerBound }
        #expect(!positions.contains(nil))
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(object.count == keys.count)
    }

    @Test func offsetSecondsIsOnlyForReminders() throws {
        let request = JSONPreset.request(
            for: try announce(), url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.t0)
        #expect(!body(request).contains("offset_seconds"))
    }

    @Test func lateSecondsIsSentMinusDueOfThisAttemptInMilliseconds() throws {
        let delivery = try announce()
        func late(_ sentAt: Date) -> String? {
            let object =
                try? JSONSerialization.jsonObject(
                    with: Data(
                        JSONPreset.request(
                            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: sentAt
                        ).body)) as? [String: Any]
            return (object?["late_seconds"] as? NSNumber).map { String(format: "%.3f", $0.doubleValue) }
        }
        #expect(late(BreakFixture.t0) == "0.000")
        #expect(
            late(BreakFixture.t0.addingTimeInterval(0.003_9)) == "0.003", "sent_at is cut to whole milliseconds first")
        #expect(late(BreakFixture.at(125.5)) == "125.500")
        #expect(
            body(
                JSONPreset.request(
                    for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10),
                    sentAt: BreakFixture.t0.addingTimeInterval(0.000_4))
            ).contains(#""sent_at": "2026-11-21T14:00:00.000Z", "late_seconds": 0.000"#))
    }

    @Test func headersAndRequestLine() throws {
        let delivery = try announce()
        let request = JSONPreset.request(
            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.t0)
        #expect(request.method == "POST")
        #expect(request.url == Self.url)
        #expect(request.timeout == 10)
        #expect(request.headers.map(\.name) == ["Content-Type", "Idempotency-Key", "User-Agent"])
        #expect(header("Content-Type", of: request) == ["application/json"])
        #expect(header("Idempotency-Key", of: request) == ["b1-announce-alex"])
        #expect(header("User-Agent", of: request) == ["breather/\(BreatherVersion.current)"])
        #expect(BreatherVersion.current.split(separator: ".").count == 3)
        #expect(!request.headers.contains { $0.name.lowercased() == "authorization" })
    }

    @Test func authorizationOnlyWithAToken() throws {
        let request = JSONPreset.request(
            for: try announce(), url: Self.url, token: "s3cret-token", timeout: Span(seconds: 5),
            sentAt: BreakFixture.t0)
        #expect(header("Authorization", of: request) == ["Bearer s3cret-token"])
        #expect(request.timeout == 5)
        #expect(!body(request).contains("s3cret"), "the token never reaches the body")
    }

    @Test func everyRetryCarriesTheSameIdempotencyKey() throws {
        var (machine, start) = try BreakFixture.started()
        let first = try #require(start.attempts.first)
        _ = machine.fail(first.id, now: BreakFixture.at(1))
        let retry = try #require(machine.tick(now: BreakFixture.at(2)).attempts.first)
        let a = JSONPreset.request(
            for: first, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.at(0.01))
        let b = JSONPreset.request(
            for: retry, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.at(2.01))
        #expect(header("Idempotency-Key", of: a) == header("Idempotency-Key", of: b))
        #expect(body(b).contains(#""delivery_id": "b1-announce-alex""#))
        #expect(body(b).contains(#""due_at": "2026-11-21T14:00:00.000Z""#), "due_at stays the first due time")
        #expect(body(b).contains(#""late_seconds": 2.010"#))
    }

    @Test func stringsAreEscaped() throws {
        var delivery = try announce()
        delivery.message = "She said \"hi\" \\o/\nline 2\r\tend\u{01}\u{1F}\u{7F} café 💛 \u{2028}/"
        delivery.plan = "plan \"q\""
        let request = JSONPreset.request(
            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.t0)
        let text = body(request)
        #expect(
            text.contains(#""message": "She said \"hi\" \\o/\nline 2\r\tend\u0001\u001f"# + "\u{7F} café 💛 \u{2028}/\"")
        )
        #expect(text.contains(#""plan": "plan \"q\"""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["message"] as? String == delivery.message)
        #expect(object["plan"] as? String == delivery.plan)
        #expect(!request.body.contains { $0 < 0x20 }, "no raw control character in the body")
    }

    @Test(arguments: Array(0..<0x20))
    func everyControlCharacterIsEscaped(value: Int) throws {
        var delivery = try announce()
        delivery.message = "a" + String(UnicodeScalar(UInt8(value))) + "b"
        let request = JSONPreset.request(
            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.t0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["message"] as? String == delivery.message)
        #expect(!request.body.contains { $0 < 0x20 })
    }

    @Test func aMessageWithoutPlanOrBreakSaysNull() throws {
        let delivery = Delivery(
            id: "test-1-alex", event: .test, channel: "alex", breakId: nil, plan: nil, message: "Test.",
            checkinAt: nil, dueAt: BreakFixture.t0, offsetSeconds: nil, createdAt: BreakFixture.t0,
            expiresAt: BreakFixture.at(60), nextAttemptAt: BreakFixture.t0
        )
        let request = JSONPreset.request(
            for: delivery, url: Self.url, token: nil, timeout: Span(seconds: 10), sentAt: BreakFixture.t0)
        #expect(
            body(request)
                == #"{"event": "test", "message": "Test.", "plan": null, "break_id": null, "delivery_id": "test-1-alex", "checkin_at": null, "due_at": "2026-11-21T14:00:00.000Z", "sent_at": "2026-11-21T14:00:00.000Z", "late_seconds": 0.000}"#
        )
    }
}
