import BreatherCore
import Foundation
import Glibc
import Testing

@testable import BreatherCLI

/// The zero padding that replaced `String(format: "%0Nd")` in the status path.
@Suite struct ZeroPaddingTests {
    @Test func asPrintfWrites() {
        #expect(LocalTime.twoDigits(0) == "00")
        #expect(LocalTime.twoDigits(7) == "07")
        #expect(LocalTime.twoDigits(59) == "59")
        #expect(LocalTime.twoDigits(123) == "123")
        #expect(LocalTime.zeroPadded(2026, width: 4) == "2026")
        #expect(LocalTime.zeroPadded(9, width: 4) == "0009")
        #expect(LocalTime.zeroPadded(-1, width: 4) == "-001")
        #expect(LocalTime.zeroPadded(-12345, width: 4) == "-12345")
    }

    @Test func timesOfDay() {
        #expect(LocalTime.twentyFourHour.format(hour: 9, minute: 5) == "09:05")
        #expect(LocalTime.twelveHour.format(hour: 0, minute: 5) == "12:05 AM")
        #expect(LocalTime.twelveHour.format(hour: 13, minute: 30) == "1:30 PM")
    }
}

/// The C library's local time says what Foundation's time zone of the same name says.
@Suite struct SystemZoneTests {
    @Test func agreesWithFoundation() throws {
        let saved = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", "Europe/Berlin", 1)
        tzset()
        defer {
            if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
            tzset()
        }
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        // Either side of both daylight-saving changes of 2026, midnight and the year's end.
        let moments = [
            "2026-03-29T00:59:00.000Z", "2026-03-29T01:00:00.000Z", "2026-10-25T00:59:00.000Z",
            "2026-10-25T01:00:00.000Z", "2026-11-21T22:59:59.000Z", "2026-11-21T23:00:00.000Z",
            "2026-12-31T23:30:00.000Z", "1969-12-31T23:59:59.500Z",
        ].map(at)
        for now in moments {
            let system = TimeInWords(now: now, zone: .system, localTime: .twentyFourHour)
            let fixed = TimeInWords(now: now, timeZone: berlin)
            for date in moments {
                #expect(system.moment(date) == fixed.moment(date))
                #expect(system.day(date) == fixed.day(date))
            }
        }
    }
}

@Suite struct StatusRequestTests {
    @Test func theWrittenRequestIsTheEncodersOwn() throws {
        let encoded = try BreatherJSON.encoder().encode(ControlRequest(op: .status))
        #expect(String(decoding: encoded, as: UTF8.self) == StatusCommand.requestJSON)
    }
}
