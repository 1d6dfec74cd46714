/// The checks that keep toml++ 3.4 from trapping: it asserts (in a release build,
/// assumes) things about its input that malformed text can break. Each check finds such a
/// spot while the scanner passes it and stops the scan with a `TOMLLineIndex.Hazard`.
extension TOMLScanner {
    /// What follows `[` or `[[` (after spaces and tabs) when toml++ would parse it as a key
    /// without checking it first; nil when it is safe: the end, `]`, a quote, a bare-key
    /// character, or the `[` of `[ [` (which toml++ does check).
    func unsafeKeyStart(isArray: Bool) -> String? {
        var index = position
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        guard index < bytes.count else { return nil }
        let byte = bytes[index]
        if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || Self.isBare(byte) {
            return nil
        }
        if byte == UInt8(ascii: "["), !isArray { return nil }
        return describe(at: index)
    }

    /// The character at `index` as a message shows it.
    func describe(at index: Int) -> String {
        guard index < bytes.count else { return "the end of the file" }
        if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") { return "the end of the line" }
        let rest = bytes[index...].prefix(4)
        guard let scalar = String(decoding: rest, as: UTF8.self).unicodeScalars.first else { return "an unreadable character" }
        if scalar.value < 0x20 || (0x7F...0xA0).contains(scalar.value) || scalar.properties.isWhitespace || scalar == "\u{FFFD}" {
            return "the character U+" + String(scalar.value, radix: 16, uppercase: true)
        }
        return "'\(Character(scalar))'"
    }

    /// Records the first hazard (with the start of its statement, the text before which
    /// is safe to parse) and ends the scan.
    mutating func stop(line: Int, _ detail: String) {
        if hazard == nil { hazard = TOMLLineIndex.Hazard(offset: statementStart, line: line, detail: detail) }
        position = bytes.count
    }

    /// Whether toml++ would hand the array element starting here to its value parser
    /// unchecked although it cannot start a value: `}`. (Non-ASCII starts are caught by
    /// `checkTokenStart`.)
    func unsafeArrayElement() -> Bool {
        peek() == UInt8(ascii: "}")
    }

    /// A bare value (number, boolean, date, time) that TOML's grammar does not allow;
    /// toml++ may trap on those (see `TOMLScalarGrammar`). The value is not quoted in the
    /// message: an unquoted webhook URL could hold a key. An empty value is left to toml++,
    /// which checks for it.
    func scalarHazard() -> String? {
        let end = tokenEnd(from: position)
        guard end > position else { return nil }
        var valid = TOMLScalarGrammar.isValid(bytes[position..<end])
        // toml++ reads a date, a space and a digit as one date-time: `1979-05-27 07:32:00`.
        if TOMLScalarGrammar.isFullDate(bytes[position..<end]), peekAt(end) == UInt8(ascii: " "),
           let digit = peekAt(end + 1), Self.isDigit(digit) {
            valid = TOMLScalarGrammar.isDateOrTime(Array(bytes[position..<tokenEnd(from: end + 1)]))
        }
        if valid { return nil }
        return "the value is not a quoted string, a number, a boolean, a date or a time; put text in double quotes, like \"30m\""
    }

    /// Where a bare value starting at `index` ends: at ASCII whitespace, `,`, `]`, `}` or `#`.
    func tokenEnd(from index: Int) -> Int {
        var end = index
        while end < bytes.count, !Self.isASCIIWhitespace(bytes[end]), !Self.endsScalar(bytes[end]) { end += 1 }
        return end
    }

    func peekAt(_ index: Int) -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Space, tab and `\n` through `\r`: what toml++ counts as ASCII whitespace.
    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || (0x0A...0x0D).contains(byte)
    }

    /// toml++ refuses values nested deeper than this; the scanner, which recurses, stops
    /// there too rather than exhaust its stack on `[[[[…`.
    static let maxDepth = 256

    /// Steps into an array or inline table; false (and a hazard) when that is too deep.
    /// A caller that gets true must step out again (`depth -= 1`).
    mutating func enterNested() -> Bool {
        depth += 1
        guard depth > Self.maxDepth else { return true }
        depth -= 1
        stop(line: line, "error while parsing value: exceeded maximum nested value depth of \(Self.maxDepth)")
        return false
    }

    /// Every token of TOML starts with an ASCII character (strings with their quote); a
    /// non-ASCII one here is invalid, and some (U+2028, U+0085) make toml++ trap.
    mutating func checkTokenStart() {
        guard let byte = peek(), byte >= 0x80 else { return }
        stop(line: line, "found \(describe(at: position)) outside a string or comment; only strings and comments may hold non-ASCII characters")
    }
}
