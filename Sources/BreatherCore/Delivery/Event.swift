/// What a message is about.
public enum Event: String, Hashable, Sendable, Codable, CaseIterable {
    case announce, reminder, back, extend, cancel, test
}
