import Foundation

/// What one attempt came to, in the terms the outbox needs.
public enum AttemptResult: Hashable, Sendable {
    /// The receiver took it; `detail` says how (e.g. "HTTP 200").
    case delivered(detail: String)
    /// It failed. `retryable` is false where trying again cannot help (HTTP 404, a bad
    /// request); `retryAfter` is the receiver's own wish in seconds.
    case failed(reason: String, retryable: Bool, retryAfter: Double?)
    /// A hand-off (`HoldStep.handOff`) was taken: the service holds the message for its due
    /// time. `handle` is Matrix's `delay_id` (a secret), nil for ntfy.
    case held(handle: String?)
    /// The service cannot hold messages (ntfy before 2.16, Matrix without delayed events):
    /// nothing was handed over, and the message is sent from this computer at its time.
    case cannotHold(reason: String)
}

extension AttemptResult {
    /// The result as an ordinary message's: a hold answer cannot come for one, and is taken
    /// for what it says of the message.
    public var ordinary: AttemptResult {
        switch self {
        case .held: .delivered(detail: "held by the server")
        case .cannotHold(let reason): .failed(reason: reason, retryable: false, retryAfter: nil)
        default: self
        }
    }
}

/// When to try a failed delivery again: exponential backoff with jitter, the first retry
/// after about a second, doubling, at most five minutes apart, and `Retry-After` honoured.
public enum RetryPolicy {
    public static let firstDelay = 1.0
    public static let maximumDelay = 300.0
    /// Each delay is spread by up to this fraction either way, so that many failed
    /// deliveries do not all come back at once.
    public static let jitterFraction = 0.2

    /// The delay before attempt `attempts + 1`, after `attempts` failures.
    /// `jitter` is a random number in 0..<1 (injected so tests can fix it).
    public static func delay(afterFailures attempts: Int, retryAfter: Double?, jitter: Double) -> Double {
        let exponent = min(max(attempts - 1, 0), 20)
        let base = min(firstDelay * pow(2, Double(exponent)), maximumDelay)
        let spread = 1 + jitterFraction * (2 * jitter - 1)
        let delay = min(base * spread, maximumDelay)
        if let retryAfter, retryAfter > delay { return retryAfter }
        return delay
    }

    /// Turns an HTTP exchange into an attempt result. 2xx delivered; 408, 425, 429 and 5xx
    /// are worth another try; any other status is not; no answer at all always is.
    public static func classify(_ outcome: HTTPOutcome, now: Date) -> AttemptResult {
        switch outcome {
        case .response(let status, let retryAfter, _):
            if (200..<300).contains(status) { return .delivered(detail: "HTTP \(status)") }
            let wait = retryAfter.flatMap { parseRetryAfter($0, now: now) }
            if [408, 425, 429].contains(status) || (500..<600).contains(status) {
                return .failed(reason: "The receiver answered HTTP \(status).", retryable: true, retryAfter: wait)
            }
            return .failed(
                reason: "The receiver answered HTTP \(status), which another attempt would not change.",
                retryable: false, retryAfter: nil)
        case .failure(_, let message):
            return .failed(reason: message, retryable: true, retryAfter: nil)
        }
    }

    /// `Retry-After` is either delay-seconds or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return Double(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
