/// A message text with `{variable}` placeholders, checked when the plan loads.
///
/// `{{` and `}}` stand for literal braces. Only the variables of `Template.Variable` exist,
/// and `{answer}` only in the message that relays a partner's answer; anything else is an
/// error the config check reports with its file and line.
public struct Template: Hashable, Sendable, Codable {
    public enum Variable: String, CaseIterable, Sendable {
        case me, partner, plan
        case checkinTime = "checkin_time"
        case minutesLeft = "minutes_left"
        case duration, note, late
        /// The partner's answer, as written: only in the `[answers]` message of a plan.
        case answer

        /// The variables of every message a plan sends.
        public static let everyMessage: [Variable] = allCases.filter { $0 != .answer }
        /// Those of the message that relays a partner's answer to the one on the break.
        public static let answerMessage: [Variable] = allCases
    }

    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        public enum Code: Hashable, Sendable {
            case unknownVariable(String)
            case unclosedBrace
            case strayClosingBrace
        }

        public var code: Code
        /// The variables the template could have used.
        public var known: [Variable] = Variable.everyMessage

        public var description: String {
            switch code {
            case .unknownVariable(let name):
                let known = known.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                return "unknown template variable {\(name)}; the known ones are \(known)."
            case .unclosedBrace:
                return "a '{' is never closed; write '{{' for a literal brace."
            case .strayClosingBrace:
                return "a '}' has no opening '{'; write '}}' for a literal brace."
            }
        }
    }

    enum Part: Hashable, Sendable {
        case text(String)
        case variable(Variable)
    }

    public let source: String
    let parts: [Part]

    /// Parses `source`; throws `Template.Error` for a variable not in `allowing` or a stray
    /// brace.
    public init(_ source: String, allowing: [Variable] = Variable.everyMessage) throws(Template.Error) {
        self.source = source
        self.parts = try Template.parse(source, allowing: allowing)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let source = try container.decode(String.self)
        do {
            // Checked when its plan loaded; a saved one may be the relay of an answer.
            try self.init(source, allowing: Variable.answerMessage)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(source)
    }

    public static func == (lhs: Template, rhs: Template) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// The variables this template uses.
    public var variables: Set<Variable> {
        Set(parts.compactMap { if case .variable(let v) = $0 { v } else { nil } })
    }

    /// Fills in the variables; one that `values` lacks renders as an empty string.
    public func render(_ values: [Variable: String]) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .variable(let variable): out += values[variable] ?? ""
            }
        }
        return out
    }

    private static func parse(_ source: String, allowing: [Variable]) throws(Template.Error) -> [Part] {
        var parts: [Part] = []
        var text = ""
        var index = source.startIndex
        while index < source.endIndex {
            let character = source[index]
            let next = source.index(after: index)
            if character == "{" {
                if next < source.endIndex, source[next] == "{" {
                    text.append("{")
                    index = source.index(after: next)
                    continue
                }
                guard let close = source[next...].firstIndex(of: "}") else {
                    throw Template.Error(code: .unclosedBrace)
                }
                let name = String(source[next..<close])
                guard let variable = Variable(rawValue: name), allowing.contains(variable) else {
                    throw Template.Error(code: .unknownVariable(name), known: allowing)
                }
                if !text.isEmpty {
                    parts.append(.text(text))
                    text = ""
                }
                parts.append(.variable(variable))
                index = source.index(after: close)
            } else if character == "}" {
                guard next < source.endIndex, source[next] == "}" else {
                    throw Template.Error(code: .strayClosingBrace)
                }
                text.append("}")
                index = source.index(after: next)
            } else {
                text.append(character)
                index = next
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }
}
