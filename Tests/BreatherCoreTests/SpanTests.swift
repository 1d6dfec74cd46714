import Testing

@testable import BreatherCore

@Suite struct SpanTests {
    @Test(arguments: [
        ("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("2s", 2), ("1h0m5s", 3605), ("45m30s", 2730),
    ])
    func durations(text: String, seconds: Int) {
        #expect(Span(duration: text)?.seconds == seconds)
    }

    @Test(arguments: [
        "", "5", "m", "1m1h", "1.5h", "5 m", " 5m", "5m ", "-5m", "+5m", "0s", "0h0m", "1hh", "1d", "5M", "١m",
        "1234567s",
    ])
    func rejectedDurations(text: String) {
        #expect(Span(duration: text) == nil)
    }

    @Test(arguments: [
        ("-5m", -300), ("+10m", 600), ("10m", 600), ("0s", 0), ("-1h30m", -5400), ("+0s", 0),
    ])
    func offsets(text: String, seconds: Int) {
        #expect(Span(offset: text)?.seconds == seconds)
    }

    @Test(arguments: ["", "-", "+", "--5m", "+-5m", "5", "- 5m", "5m-", "1.5m"])
    func rejectedOffsets(text: String) {
        #expect(Span(offset: text) == nil)
    }

    @Test func descriptionsRoundTrip() {
        for text in ["90s", "30m", "1h", "1h30m", "2s", "1h0m5s", "45m30s"] {
            let span = Span(duration: text)!
            #expect(Span(duration: span.description) == span)
        }
        #expect(Span(duration: "90s")?.description == "1m30s")
        #expect(Span(duration: "1h30m")?.description == "1h30m")
        for text in ["-5m", "+10m", "0s", "-1h1s"] {
            let span = Span(offset: text)!
            #expect(Span(offset: span.offsetDescription) == span)
            #expect(Span(offset: span.description) == span)
        }
        #expect(Span(offset: "10m")?.offsetDescription == "+10m")
        #expect(Span(offset: "-5m")?.description == "-5m")
        #expect(Span(seconds: 0).offsetDescription == "0s")
    }

    @Test func spokenDescriptions() {
        #expect(Span.minutes(30).spokenDescription == "30 minutes")
        #expect(Span(seconds: 5400).spokenDescription == "1 hour 30 minutes")
        #expect(Span(seconds: 1).spokenDescription == "1 second")
        #expect(Span(seconds: 0).spokenDescription == "0 seconds")
    }
}
