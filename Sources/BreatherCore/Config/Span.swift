/// A length of time as people write it in Breather's files: `90s`, `30m`, `1h`, `1h30m`.
///
/// Offsets carry a sign: `-5m` is five minutes before the check-in, `+10m` or `10m` after it,
/// `0s` at it. A span is whole seconds; that is all a promise to a person needs.
public struct Span: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) {
        self.seconds = seconds
    }

    public static func minutes(_ m: Int) -> Span { Span(seconds: m * 60) }

    public static func < (lhs: Span, rhs: Span) -> Bool { lhs.seconds < rhs.seconds }

    /// Parses an unsigned, positive duration such as `1h30m`. Returns nil for anything else.
    public init?(duration text: String) {
        guard let value = Span.parseMagnitude(Substring(text)), value > 0 else { return nil }
        self.seconds = value
    }

    /// Parses a signed offset such as `-5m`, `+10m`, `10m` or `0s`. Returns nil for anything else.
    public init?(offset text: String) {
        var body = Substring(text)
        var sign = 1
        if body.first == "-" {
            sign = -1
            body = body.dropFirst()
        } else if body.first == "+" {
            body = body.dropFirst()
        }
        guard let value = Span.parseMagnitude(body) else { return nil }
        self.seconds = sign * value
    }

    /// `h`, `m`, `s` units, each at most once, largest first; digits only; no spaces.
    private static func parseMagnitude(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        let units: [(Character, Int)] = [("h", 3600), ("m", 60), ("s", 1)]
        var total = 0
        var digits = ""
        var nextUnit = 0
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                guard digits.count <= 6 else { return nil }
                continue
            }
            guard !digits.isEmpty,
                let index = units.firstIndex(where: { $0.0 == character }),
                index >= nextUnit,
                let number = Int(digits)
            else { return nil }
            total += number * units[index].1
            nextUnit = index + 1
            digits = ""
        }
        guard digits.isEmpty else { return nil }
        return total
    }

    /// The compact form: `1h30m`, `45s`, `-5m`, `0s`.
    public var description: String {
        if seconds == 0 { return "0s" }
        var rest = abs(seconds)
        var text = seconds < 0 ? "-" : ""
        let hours = rest / 3600
        rest %= 3600
        let minutes = rest / 60
        rest %= 60
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 { text += "\(rest)s" }
        return text
    }

    /// The signed form used for offsets: `-5m`, `+10m`, `0s`.
    public var offsetDescription: String {
        seconds > 0 ? "+" + description : description
    }

    /// Words for people: "30 minutes", "1 hour 30 minutes", "45 seconds".
    public var spokenDescription: String {
        var rest = abs(seconds)
        let hours = rest / 3600
        rest %= 3600
        let minutes = rest / 60
        rest %= 60
        var parts: [String] = []
        if hours > 0 { parts.append(hours == 1 ? "1 hour" : "\(hours) hours") }
        if minutes > 0 { parts.append(minutes == 1 ? "1 minute" : "\(minutes) minutes") }
        if rest > 0 || parts.isEmpty { parts.append(rest == 1 ? "1 second" : "\(rest) seconds") }
        return parts.joined(separator: " ")
    }
}
