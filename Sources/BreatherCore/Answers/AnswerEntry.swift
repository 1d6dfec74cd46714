import Foundation

/// An answer as `status` and `history` show it: when the partner gave it, and its words.
/// Which service carried it, and its id there, stay in the state.
public struct AnswerEntry: Hashable, Sendable, Codable {
    public var at: Date
    public var text: String

    public init(at: Date, text: String) {
        self.at = at
        self.text = text
    }

    public init(_ answer: PartnerAnswer) {
        self.init(at: answer.at, text: answer.text)
    }
}
