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
