/// The one-line JSON answer to a `ControlRequest`.
///
/// `ok` answers carry a human `message` (one or more whole sentences, ready to print) and,
/// for `status`, the `status` object; failures carry an `error` with a code and a sentence.
public struct ControlResponse: Hashable, Sendable, Codable {
    public var v: Int
    public var ok: Bool
    public var message: String?
    public var error: ControlError?
    public var status: StatusReport?

    public init(ok: Bool, message: String? = nil, error: ControlError? = nil, status: StatusReport? = nil) {
        self.v = ControlRequest.protocolVersion
        self.ok = ok
        self.message = message
        self.error = error
        self.status = status
    }

    public static func success(_ message: String, status: StatusReport? = nil) -> ControlResponse {
        ControlResponse(ok: true, message: message, status: status)
    }

    public static func failure(_ code: ControlError.Code, _ message: String) -> ControlResponse {
        ControlResponse(ok: false, error: ControlError(code: code, message: message))
    }
}

/// Why a request failed, in one whole sentence a person can act on.
public struct ControlError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, Codable {
        /// The line was not JSON, too long, or not a request.
        case badRequest = "bad_request"
        /// The client speaks another protocol version.
        case unsupportedVersion = "unsupported_version"
        /// No plan by that name or code word, or it is invalid.
        case unknownPlan = "unknown_plan"
        /// `start` while a break runs.
        case breakRunning = "break_running"
        /// `check_channel`: something about the channel needs fixing (the message says what).
        case channelProblem = "channel_problem"
        /// `back`, `extend` or `cancel` with no break running.
        case noBreak = "no_break"
        /// A malformed duration, or another bad argument.
        case invalidArgument = "invalid_argument"
        /// `test` of a channel breather.toml does not define.
        case unknownChannel = "unknown_channel"
        /// The state could not be saved; nothing changed.
        case stateNotSaved = "state_not_saved"
        /// The channel was tried and failed (for `test`).
        case deliveryFailed = "delivery_failed"
        /// The configuration has errors (for `reload`: the old one stays in force).
        case invalidConfiguration = "invalid_configuration"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
