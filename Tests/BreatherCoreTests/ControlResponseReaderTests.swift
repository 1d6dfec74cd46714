import Foundation
import Testing

@testable import BreatherCore

/// The hand-written reader of breatherd's answers gives what `BreatherJSON.decoder()` gives,
/// and leaves to it whatever it is not sure to read the same way.
@Suite struct ControlResponseReaderTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000.123)

    static func at(_ seconds: Double) -> Date {
        start.addingTimeInterval(seconds).wholeMilliseconds
    }

    static let running = StatusReport.BreakStatus(
        id: "b-1f2e", plan: "cool-down", startedAt: at(0), checkinAt: at(1800), extensions: 2,
        pending: [
            .init(offsetSeconds: -300, dueAt: at(1500), to: ["desktop"]),
            .init(offsetSeconds: 0, dueAt: at(1800), to: ["desktop", "alex"], heldBy: ["alex"]),
            .init(
                event: .reminder, offsetSeconds: 600, dueAt: at(2400), to: ["alex", "sam's phone"], heldBy: ["alex"]),
        ],
        partner: "Alex", note: "a walk \"around\" the block \\ café 🌿\nback soon\t/ok",
        answers: [
            AnswerEntry(at: at(95), text: "Thank you for telling me. Take your time."),
            AnswerEntry(at: at(120.5), text: "❤ \"quoted\" \\ and\na new line"),
        ])

    static let retrying = [
        StatusReport.RetryingDelivery(
            deliveryId: "d-1", event: .announce, channel: "alex", attempts: 3, nextAttemptAt: at(90),
            expiresAt: at(3600), lastError: "connection refused"),
        StatusReport.RetryingDelivery(
            deliveryId: "d-2", event: .extend, channel: "desktop", attempts: 1, nextAttemptAt: at(30),
            expiresAt: at(600), lastError: nil),
    ]

    /// Answers as breatherd writes them.
    static let answers: [ControlResponse] = [
        .success("No break is running.", status: StatusReport(active: false, break: nil, retrying: [])),
        .success("A break is running.", status: StatusReport(active: true, break: running, retrying: [])),
        .success(
            "A break is running.",
            status: StatusReport(
                active: true,
                break: StatusReport.BreakStatus(
                    id: "b-2", plan: "short", startedAt: at(0), checkinAt: at(-60), extensions: 0, pending: [],
                    partner: "Sam", note: nil),
                retrying: retrying)),
        .success(
            "",
            status: StatusReport(
                active: false, break: nil, retrying: retrying,
                notTakenBack: [
                    .init(channel: "alex", dueAt: at(2400)), .init(event: .reminder, channel: "matrix", dueAt: at(9)),
                ])),
        .success("Break started: check in with Alex at 14:35, in 30 minutes."),
        .failure(.noBreak, "No break is running, so there is nothing to end."),
        .failure(.invalidConfiguration, "plans/x.toml:3: \"duration\" is missing."),
    ]

    func codable(_ line: [UInt8]) -> ControlResponse? {
        try? BreatherJSON.decoder().decode(ControlResponse.self, from: Data(line))
    }

    @Test(arguments: answers)
    func readsWhatBreatherdWritesAsTheDecoderDoes(answer: ControlResponse) throws {
        let line = Array(try BreatherJSON.encoder().encode(answer))
        let read = try #require(ControlResponseReader.read(line))
        #expect(read == codable(line))
        #expect(read == answer)
    }

    @Test(arguments: [
        // Spaces, nulls for what may be absent, escapes for what may be written plainly.
        #" { "v" : 1 , "ok" : true , "message" : null , "error" : null , "status" : { "active" : false , "retrying" : [ ] , "break" : null , "not_taken_back" : null } } "#,
        #"{"v":1,"ok":true,"status":{"active":true,"retrying":[],"break":{"id":"b","plan":"p\u00e9\ud83c\udf3f","started_at":"2026-11-21T14:05:00.000Z","checkin_at":"2026-11-21T15:35:00+01:00","extensions":0,"partner":"\"A\"","note":null,"pending":[{"event":"reminder","offset_seconds":-0,"due_at":"2026-11-21T14:30:00.5Z","to":[],"held_by":null}]}}}"#,
        #"{"v":1,"ok":true,"status":{"active":false,"retrying":[],"not_taken_back":[]}}"#,
        #"{"v":2,"ok":false,"error":{"code":"unsupported_version","message":"x"}}"#,
    ])
    func readsOtherSpellingsOfTheSameAnswersAsTheDecoderDoes(text: String) throws {
        let line = Array(text.utf8)
        let read = try #require(ControlResponseReader.read(line))
        #expect(read == codable(line))
    }

    @Test(arguments: [
        #"{"v":1,"ok":true,"status":{"active":false,"retrying":[],"future_field":1}}"#,  // a key it does not know
        #"{"v":1,"ok":true,"status":{"active":false,"retrying":[],"notTakenBack":[]}}"#,  // the decoder reads this one
        #"{"v":1,"ok":true,"ok":false}"#,  // a key twice
        #"{"v":1.0,"ok":true}"#,  // not a whole number as JSON writes it
        #"{"v":1e0,"ok":true}"#,
        #"{"v":01,"ok":true}"#,
        #"{"v":1,"ok":true} x"#,  // more after the answer
        #"{"v":1}"#,  // a field missing
        #"{"v":1,"ok":true,"message":"\ud800"}"#,  // a lone surrogate
        #"{"v":1,"ok":true,"message":"a\u0001"}"#.replacingOccurrences(of: "\\u0001", with: "\u{01}"),
        #"{"v":1,"ok":false,"error":{"code":"no_such_code","message":"x"}}"#,
        #"{"v":1,"ok":true,"status":{"active":true,"retrying":[],"break":{"id":"b","plan":"p","started_at":"today","checkin_at":"2026-11-21T15:35:00Z","extensions":0,"partner":"A","pending":[]}}}"#,
        "",
        "null",
    ])
    func leavesToTheDecoderWhatItIsNotSureToReadTheSameWay(text: String) {
        #expect(ControlResponseReader.read(Array(text.utf8)) == nil)
    }

    @Test func leavesInvalidUTF8ToTheDecoder() {
        let line = Array(#"{"v":1,"ok":true,"message":"a"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(ControlResponseReader.read(line) == nil)
    }

    @Test func readsWholeNumbersToTheEdgesOfInt() throws {
        for value in [Int.min, -1, 0, 7, Int.max] {
            let line = Array(#"{"v":\#(value),"ok":true}"#.utf8)
            #expect(ControlResponseReader.read(line)?.v == value)
        }
        #expect(ControlResponseReader.read(Array(#"{"v":9223372036854775808,"ok":true}"#.utf8)) == nil)
    }
}
