import BreatherCore

/// What came of one read of a channel for answers.
enum AnswerReadOutcome: Sendable {
    /// The service answered with what it holds after the read position.
    case read(AnswersRead)
    /// It did not: `reason` is one sentence without a URL or token; `unreachable` when no
    /// server answered at all (the network is down, say), which is no one's fault.
    case failed(reason: String, unreachable: Bool)
}
