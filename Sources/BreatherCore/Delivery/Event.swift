/// What a message is about.
public enum Event: String, Hashable, Sendable, Codable, CaseIterable {
    case announce, reminder, back, extend, cancel, test
    /// A partner's answer, relayed to the one on the break.
    case answer
}
