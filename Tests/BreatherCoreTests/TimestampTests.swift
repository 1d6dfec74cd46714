import Foundation
import Testing

@testable import BreatherCore

@Suite("Timestamp")
struct TimestampTests {
    @Test func formatsKnownInstants() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(BreakFixture.t0) == "2026-11-21T14:00:00.000Z")
        #expect(Timestamp.format(BreakFixture.at(30 * 60)) == "2026-11-21T14:30:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_271_400.123)) == "2026-11-21T14:30:00.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_709_251_199.999)) == "2024-02-29T23:59:59.999Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 4_102_444_800)) == "2100-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -86_400)) == "1969-12-31T00:00:00.000Z")
    }

    @Test func formatCutsToMillisecondsRatherThanRounding() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_269_600.000_9)) == "2026-11-21T14:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_269_599.999_9)) == "2026-11-21T13:59:59.999Z")
    }

    @Test func parsesZuluAndOffsets() {
        let expected = Date(timeIntervalSince1970: 1_795_271_400)
        #expect(Timestamp.parse("2026-11-21T14:30:00Z") == expected)
        #expect(Timestamp.parse("2026-11-21T14:30:00.000Z") == expected)
        #expect(Timestamp.parse("2026-11-21t14:30:00z") == expected)
        #expect(Timestamp.parse("2026-11-21T20:00:00+05:30") == expected)
        #expect(Timestamp.parse("2026-11-21T06:30:00-08:00") == expected)
        #expect(Timestamp.parse("2026-11-21T14:30:00+00:00") == expected)
        #expect(Timestamp.parse("2026-11-22T00:30:00+10:00") == expected, "across midnight")
        #expect(Timestamp.parse("2026-11-21T14:30:00.123Z") == Date(timeIntervalSince1970: 1_795_271_400.123))
        #expect(Timestamp.parse("2026-11-21T15:30:00.5+01:00") == Date(timeIntervalSince1970: 1_795_271_400.5))
        let micro = Timestamp.parse("2026-11-21T14:30:00.123456Z")
        #expect(micro.map { abs($0.timeIntervalSince1970 - 1_795_271_400.123_456) < 1e-6 } == true)
    }

    @Test func roundTripsEveryMillisecondOfASecond() {
        for millis in 0..<1000 {
            let date = Date(timeIntervalSince1970: Double(1_795_271_400_000 + millis) / 1000)
            let text = Timestamp.format(date)
            #expect(text == String(format: "2026-11-21T14:30:00.%03dZ", millis))
            #expect(Timestamp.parse(text) == date, "\(text)")
        }
    }

    /// 2005 to 2038-01-19 (2^31 s): the years Breather lives in today.
    @Test func roundTripsItsTextAcrossTheseDecades() {
        var failures: [String] = []
        for seconds in stride(from: 1_104_537_600.0, through: 2_147_483_000.0, by: 3_599.123) {
            let text = Timestamp.format(Date(timeIntervalSince1970: seconds))
            if Timestamp.parse(text).map(Timestamp.format) != text { failures.append(text) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    /// `format` floors `timeIntervalSince1970 * 1000` with no tolerance, and `Date` keeps its
    /// value relative to 2001, so in some ranges (1970–1987, 2004, from 2038-01-19) an instant
    /// that `parse` read from whole milliseconds sits a hair below them and `format` writes it
    /// one millisecond early. A state file saved and loaded repeatedly would drift by a
    /// millisecond per cycle there.
    @Test(arguments: [
        "2038-01-20T08:44:59.614Z", "2039-01-07T08:39:50.910Z", "2004-03-07T18:40:01.656Z",
        "1970-01-09T14:48:11.310Z", "1975-01-02T14:21:36.047Z",
    ])
    func roundTripsItsTextInOtherYears(text: String) {
        do {
            #expect(Timestamp.parse(text).map(Timestamp.format) == text)
        }
    }

    @Test func formatsAMillisecondBeforeTheEpoch() {
        do {
            #expect(Timestamp.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        }
    }

    @Test(arguments: [
        "", "garbage", "2026-11-21", "2026-11-21T14:30:00", "2026-11-21T14:30Z", "2026-11-21 14:30:00Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-32T00:00:00Z",
        "2026-11-21T24:00:00Z", "2026-11-21T14:60:00Z", "2026-11-21T14:30:61Z",
        "2026-11-21T14:30:00.Z", "2026-11-21T14:30:00+0530", "2026-11-21T14:30:00+05", "2026-11-21T14:30:00Z ",
        " 2026-11-21T14:30:00Z", "2026-11-21T14:30:00ZZ", "2026/11/21T14:30:00Z", "２026-11-21T14:30:00Z",
        "2026-1a-21T14:30:00Z", "2026-11-21T14:30:00.12a3Z",
    ])
    func rejectsGarbage(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    /// RFC 3339 days depend on the month and year; the parser only checks 1...31 and lets the
    /// calendar roll over, so a bad state or history line is read as another day.
    @Test func rejectsDaysTheMonthDoesNotHave() {
        do {
            #expect(Timestamp.parse("2026-02-31T00:00:00Z") == nil)
            #expect(Timestamp.parse("2026-04-31T00:00:00Z") == nil)
            #expect(Timestamp.parse("2025-02-29T00:00:00Z") == nil)
        }
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
    }

    @Test func rejectsOffsetsOutOfRange() {
        do {
            #expect(Timestamp.parse("2026-11-21T14:30:00+05:99") == nil)
            #expect(Timestamp.parse("2026-11-21T14:30:00+99:00") == nil)
        }
    }

    struct Stamped: Codable, Equatable {
        var sentAt: Date
    }

    @Test func breatherJSONWritesSnakeCaseKeysAndRFC3339Times() throws {
        let data = try BreatherJSON.encoder().encode(Stamped(sentAt: Date(timeIntervalSince1970: 1_795_271_400.123)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"sent_at":"2026-11-21T14:30:00.123Z"}"#)
        #expect(
            try BreatherJSON.decoder().decode(Stamped.self, from: data)
                == Stamped(sentAt: Date(timeIntervalSince1970: 1_795_271_400.123)))
    }

    @Test func breatherJSONRefusesOtherTimeFormats() {
        #expect(throws: DecodingError.self) {
            try BreatherJSON.decoder().decode(Stamped.self, from: Data(#"{"sent_at":"21 Nov 2026"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try BreatherJSON.decoder().decode(Stamped.self, from: Data(#"{"sent_at":1795271400}"#.utf8))
        }
    }

    @Test func wholeMillisecondsCutsAndIsStable() {
        let date = Date(timeIntervalSince1970: 1_795_271_400.123_9)
        #expect(Timestamp.format(date.wholeMilliseconds) == "2026-11-21T14:30:00.123Z")
        #expect(date.wholeMilliseconds == Date(timeIntervalSince1970: 1_795_271_400.123))
        #expect(date.wholeMilliseconds.wholeMilliseconds == date.wholeMilliseconds)
    }
}
