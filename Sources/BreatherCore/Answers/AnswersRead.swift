/// What one read of a channel brought back, for the machine to match.
public enum AnswersRead: Hashable, Sendable {
    /// An ntfy poll of the channel's answers topic.
    case ntfy(channel: String, NtfyPoll.Result)
    /// A Matrix `/sync` of the channel's room; `ownUserId` is the account Breather sends with
    /// (its own events are Breather's messages, which the partner may answer).
    case matrix(channel: String, MatrixSync.Result, ownUserId: String)

    public var channel: String {
        switch self {
        case .ntfy(let channel, _), .matrix(let channel, _, _): return channel
        }
    }
}
