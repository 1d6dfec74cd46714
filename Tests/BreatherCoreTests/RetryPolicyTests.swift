import Foundation
import Testing

@testable import BreatherCore

@Suite("RetryPolicy")
struct RetryPolicyTests {
    @Test func delaysDoubleFromOneSecondAndStopAtFiveMinutes() {
        let delays = (1...12).map { RetryPolicy.delay(afterFailures: $0, retryAfter: nil, jitter: 0.5) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
    }

    @Test func delayStaysBoundedForAnyCount() {
        #expect(RetryPolicy.delay(afterFailures: 0, retryAfter: nil, jitter: 0.5) == 1)
        #expect(RetryPolicy.delay(afterFailures: -3, retryAfter: nil, jitter: 0.5) == 1)
        #expect(RetryPolicy.delay(afterFailures: 64, retryAfter: nil, jitter: 0.5) == 300)
        #expect(RetryPolicy.delay(afterFailures: 10_000, retryAfter: nil, jitter: 0.5) == 300)
        #expect(RetryPolicy.delay(afterFailures: Int.max, retryAfter: nil, jitter: 0.5) == 300)
    }

    @Test(arguments: [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999_999])
    func jitterSpreadsEachDelayByAtMostAFifth(jitter: Double) {
        for attempts in 1...15 {
            let base = min(pow(2, Double(attempts - 1)), 300)
            let delay = RetryPolicy.delay(afterFailures: attempts, retryAfter: nil, jitter: jitter)
            #expect(delay >= base * 0.8 - 1e-9, "attempt \(attempts), jitter \(jitter)")
            #expect(delay <= base * 1.2 + 1e-9, "attempt \(attempts), jitter \(jitter)")
            #expect(delay <= 300, "never more than five minutes apart")
        }
    }

    @Test func jitterEndsAreExact() {
        #expect(RetryPolicy.delay(afterFailures: 1, retryAfter: nil, jitter: 0) == 0.8)
        #expect(abs(RetryPolicy.delay(afterFailures: 4, retryAfter: nil, jitter: 0) - 6.4) < 1e-12)
        #expect(RetryPolicy.delay(afterFailures: 4, retryAfter: nil, jitter: 0.999_999) < 9.6)
        #expect(RetryPolicy.delay(afterFailures: 4, retryAfter: nil, jitter: 0.999_999) > 9.599)
        // At the cap, jitter may only shorten.
        #expect(RetryPolicy.delay(afterFailures: 20, retryAfter: nil, jitter: 0) == 240)
        #expect(RetryPolicy.delay(afterFailures: 20, retryAfter: nil, jitter: 0.999_999) == 300)
    }

    @Test func retryAfterWinsWhenLonger() {
        #expect(RetryPolicy.delay(afterFailures: 1, retryAfter: 30, jitter: 0.5) == 30)
        #expect(
            RetryPolicy.delay(afterFailures: 1, retryAfter: 900, jitter: 0.5) == 900,
            "the receiver's wish beats the five-minute cap")
        #expect(
            RetryPolicy.delay(afterFailures: 5, retryAfter: 3, jitter: 0.5) == 16,
            "a shorter Retry-After does not hurry the backoff")
        #expect(RetryPolicy.delay(afterFailures: 1, retryAfter: 0, jitter: 0.5) == 1)
    }

    @Test(arguments: [200, 201, 202, 204, 299])
    func twoHundredsAreDelivered(status: Int) {
        #expect(
            RetryPolicy.classify(.response(status: status, retryAfter: nil), now: BreakFixture.t0)
                == .delivered(detail: "HTTP \(status)"))
    }

    @Test(arguments: [408, 425, 429, 500, 502, 503, 504, 599])
    func temporaryStatusesAreRetryable(status: Int) throws {
        guard
            case .failed(let reason, let retryable, let retryAfter) = RetryPolicy.classify(
                .response(status: status, retryAfter: nil), now: BreakFixture.t0)
        else {
            Issue.record("HTTP \(status) should fail")
            return
        }
        #expect(retryable)
        #expect(retryAfter == nil)
        #expect(reason.contains("HTTP \(status)"))
    }

    @Test(arguments: [301, 400, 401, 403, 404, 410, 422])
    func otherStatusesAreNotRetryable(status: Int) {
        guard
            case .failed(let reason, let retryable, let retryAfter) = RetryPolicy.classify(
                .response(status: status, retryAfter: "10"), now: BreakFixture.t0)
        else {
            Issue.record("HTTP \(status) should fail")
            return
        }
        #expect(!retryable)
        #expect(retryAfter == nil)
        #expect(reason.contains("HTTP \(status)"))
    }

    @Test func noAnswerAtAllIsRetryable() {
        let result = RetryPolicy.classify(
            .failure(code: 7, message: "Could not connect to the server."), now: BreakFixture.t0)
        #expect(result == .failed(reason: "Could not connect to the server.", retryable: true, retryAfter: nil))
    }

    @Test func retryAfterSecondsIsPassedOn() {
        let result = RetryPolicy.classify(.response(status: 503, retryAfter: "120"), now: BreakFixture.t0)
        guard case .failed(_, true, let retryAfter) = result else {
            Issue.record("expected a retryable failure, got \(result)")
            return
        }
        #expect(retryAfter == 120)
    }

    @Test func retryAfterHTTPDateIsPassedOnAsSeconds() {
        // Wed, 21 Oct 2015 07:28:00 GMT is 1_445_412_480.
        let now = Date(timeIntervalSince1970: 1_445_412_480 - 90)
        let result = RetryPolicy.classify(.response(status: 429, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"), now: now)
        guard case .failed(_, true, let retryAfter) = result else {
            Issue.record("expected a retryable failure, got \(result)")
            return
        }
        #expect(retryAfter == 90)
    }

    @Test func parseRetryAfter() {
        let date = Date(timeIntervalSince1970: 1_445_412_480)
        #expect(RetryPolicy.parseRetryAfter("0", now: date) == 0)
        #expect(RetryPolicy.parseRetryAfter("7", now: date) == 7)
        #expect(RetryPolicy.parseRetryAfter(" 7 ", now: date) == 7)
        #expect(RetryPolicy.parseRetryAfter("3600", now: date) == 3600)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: date.addingTimeInterval(-30)) == 30)
        #expect(
            RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: date.addingTimeInterval(30)) == 0,
            "a date in the past means now")
        #expect(RetryPolicy.parseRetryAfter("-5", now: date) == nil)
        #expect(RetryPolicy.parseRetryAfter("1.5", now: date) == nil)
        #expect(RetryPolicy.parseRetryAfter("soon", now: date) == nil)
        #expect(RetryPolicy.parseRetryAfter("", now: date) == nil)
    }
}
