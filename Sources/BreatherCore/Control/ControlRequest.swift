/// One request on the control socket: a single line of JSON.
///
/// `{"v": 1, "op": "start", "plan": "pineapple", "for": "45m", "note": "…"}`
public struct ControlRequest: Hashable, Sendable, Codable {
    public static let protocolVersion = 1
    /// A line longer than this is refused and the connection closed.
    public static let maximumLineBytes = 64 * 1024

    public enum Operation: String, Hashable, Sendable, Codable, CaseIterable {
        case start, back, extend, cancel, status, test, reload, ping
        /// `doctor`: a channel's Matrix token and room, and whether its service holds messages.
        case checkChannel = "check_channel"
    }

    public var v: Int
    public var op: Operation
    /// `start`: a plan name or code word; nil for the default plan.
    public var plan: String?
    /// `start`: a duration overriding the plan's (`--for`).
    public var `for`: String?
    /// `start`: free text for `{note}`.
    public var note: String?
    /// `extend`: how much later the check-in moves.
    public var duration: String?
    /// `test`, `check_channel`: the channel to try.
    public var channel: String?

    public init(
        op: Operation, plan: String? = nil, for: String? = nil, note: String? = nil, duration: String? = nil,
        channel: String? = nil
    ) {
        self.v = ControlRequest.protocolVersion
        self.op = op
        self.plan = plan
        self.for = `for`
        self.note = note
        self.duration = duration
        self.channel = channel
    }
}
