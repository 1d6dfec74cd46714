/// The four kinds of TOML string: basic `"…"` with escapes, literal `'…'` as written, and
/// the multi-line forms of both, `"""…"""` and `'''…'''`.
extension TOMLParser {
    /// `"…"`: one line, escapes decoded.
    mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        let start = here
        advance()
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), !isAtNewline() else { throw unclosed(start, quote: "\"") }
            if byte == ascii("\"") {
                advance()
                return String(decoding: out, as: UTF8.self)
            }
            if byte == ascii("\\") {
                try parseEscape(into: &out)
            } else {
                try checkStringByte(byte)
                out.append(byte)
                advance()
            }
        }
    }

    /// `'…'`: one line, taken as written.
    mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        let start = here
        advance()
        let from = index
        while true {
            guard let byte = peek(), !isAtNewline() else { throw unclosed(start, quote: "'") }
            if byte == ascii("'") {
                let text = String(decoding: bytes[from..<index], as: UTF8.self)
                advance()
                return text
            }
            try checkStringByte(byte)
            advance()
        }
    }

    /// `"""…"""`: escapes decoded, a line break right after the opening quotes dropped, and
    /// a `\` at the end of a line swallowing the line break and the blanks after it.
    mutating func parseMultiLineBasicString() throws(TOMLSyntaxError) -> String {
        let start = here
        advance(3)
        if isAtNewline() { skipNewline() }
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw unclosedMultiLine(start, quotes: "\"\"\"") }
            if byte == ascii("\""), peek(1) == byte, peek(2) == byte {
                advance(3)
                return String(decoding: out + takeExtraQuotes(byte), as: UTF8.self)
            }
            if isAtNewline() {
                skipNewline()
                out.append(ascii("\n"))
            } else if byte == ascii("\\") {
                if try skipLineEndingBackslash() { continue }
                try parseEscape(into: &out)
            } else {
                try checkStringByte(byte)
                out.append(byte)
                advance()
            }
        }
    }

    /// `'''…'''`: taken as written, except a line break right after the opening quotes.
    mutating func parseMultiLineLiteralString() throws(TOMLSyntaxError) -> String {
        let start = here
        advance(3)
        if isAtNewline() { skipNewline() }
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw unclosedMultiLine(start, quotes: "'''") }
            if byte == ascii("'"), peek(1) == byte, peek(2) == byte {
                advance(3)
                return String(decoding: out + takeExtraQuotes(byte), as: UTF8.self)
            }
            if isAtNewline() {
                skipNewline()
                out.append(ascii("\n"))
            } else {
                try checkStringByte(byte)
                out.append(byte)
                advance()
            }
        }
    }

    /// Up to two quotes right after the closing three belong to the string: `""""x"""""`
    /// is `"x""`.
    mutating func takeExtraQuotes(_ quote: UInt8) -> [UInt8] {
        var extra: [UInt8] = []
        while extra.count < 2, peek() == quote {
            extra.append(quote)
            advance()
        }
        return extra
    }

    /// At a `\`: when only spaces or tabs follow it up to the line's end, skips all of
    /// that and every blank and line break after it, and says so.
    mutating func skipLineEndingBackslash() throws(TOMLSyntaxError) -> Bool {
        var ahead = index + 1
        while ahead < bytes.count, bytes[ahead] == ascii(" ") || bytes[ahead] == ascii("\t") { ahead += 1 }
        let save = index
        index = ahead
        guard isAtNewline() else {
            let onlyBlanks = ahead > save + 1
            index = save
            if onlyBlanks {
                advance()
                throw error("a '\\' followed by spaces must end its line; write '\\\\' for a backslash")
            }
            return false
        }
        while true {
            skipSpaces()
            guard isAtNewline() else { return true }
            skipNewline()
        }
    }

    /// `\n`, `\"`, `\u00E9`, …: TOML 1.0's escapes, appended to `out` as UTF-8.
    mutating func parseEscape(into out: inout [UInt8]) throws(TOMLSyntaxError) {
        let start = here
        advance()
        guard let byte = peek(), !isAtNewline() else {
            throw error(
                at: start, "a '\\' must be followed by an escape such as \\n or \\\"; write '\\\\' for a backslash")
        }
        advance()
        switch byte {
        case ascii("b"): out.append(0x08)
        case ascii("t"): out.append(0x09)
        case ascii("n"): out.append(0x0A)
        case ascii("f"): out.append(0x0C)
        case ascii("r"): out.append(0x0D)
        case ascii("\""): out.append(byte)
        case ascii("\\"): out.append(byte)
        case ascii("u"), ascii("U"):
            let digits = byte == ascii("u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let digit = peek(), let nibble = Self.hexValue(digit) else {
                    throw error(
                        at: start,
                        "\\\(Character(Unicode.Scalar(byte))) must be followed by \(digits) hexadecimal digits")
                }
                value = value << 4 | nibble
                advance()
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error(
                    at: start,
                    "\\\(Character(Unicode.Scalar(byte))) escapes U+\(String(value, radix: 16, uppercase: true)), "
                        + "which is not a Unicode scalar value")
            }
            out += Array(String(Character(scalar)).utf8)
        default:
            index -= 1
            throw error(
                at: start,
                "\\\(describeHere().trimmingQuotes) is not an escape TOML knows; write '\\\\' for a backslash")
        }
    }

    /// Control characters other than tab must be escaped in a string.
    func checkStringByte(_ byte: UInt8) throws(TOMLSyntaxError) {
        if Self.isControl(byte) && byte != ascii("\t") {
            throw error("the control character \(describeHere()) must be escaped in a string")
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Reported where the line ends, which is where the closing quote was missed.
    func unclosed(_ start: TOMLPosition, quote: String) -> TOMLSyntaxError {
        error(
            "the string that starts at column \(start.column) is not closed before the end of the line; "
                + "end it with \(quote)")
    }

    /// Reported where the string starts: its end is the end of the file, which says nothing.
    func unclosedMultiLine(_ start: TOMLPosition, quotes: String) -> TOMLSyntaxError {
        error(at: start, "this multi-line string is never closed with \(quotes)")
    }
}

extension String {
    /// `'x'` as `x`: a described character without its quotes.
    fileprivate var trimmingQuotes: String {
        hasPrefix("'") && hasSuffix("'") && count > 2 ? String(dropFirst().dropLast()) : self
    }
}
