import Foundation

/// What an ntfy answer button publishes to `answers_url`: it names the break and carries the
/// break's secret key, so an old button cannot answer a new break and no one without the
/// notification can put words in the partner's mouth.
///
/// `{"breather": 1, "break_id": "…", "key": "…", "answer": "…"}`
public struct AnswerButton: Hashable, Sendable, Codable {
    /// The format's version, so a later one can be told apart.
    public static let version = 1

    public var breather: Int
    public var breakId: String
    public var key: String
    public var answer: String

    public init(breakId: String, key: String, answer: String) {
        self.breather = Self.version
        self.breakId = breakId
        self.key = key
        self.answer = answer
    }

    enum CodingKeys: String, CodingKey {
        case breather
        case breakId = "break_id"
        case key, answer
    }

    /// The body the button sends, keys in a fixed order (golden-testable).
    public var body: String {
        var writer = JSONObjectWriter()
        writer.add("breather", raw: String(breather))
        writer.add("break_id", string: breakId)
        writer.add("key", string: key)
        writer.add("answer", string: answer)
        return writer.finish()
    }

    /// The payload in an ntfy message's text; nil for anything else.
    public static func parse(_ text: String) -> AnswerButton? {
        guard text.hasPrefix("{"),
            let button = try? JSONDecoder().decode(AnswerButton.self, from: Data(text.utf8)),
            button.breather == version
        else { return nil }
        return button
    }

    /// A new per-break key: 128 random bits as 32 hex digits.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }
            .joined()
    }

    /// Compares two keys in time that does not depend on where they first differ.
    static func sameKey(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
