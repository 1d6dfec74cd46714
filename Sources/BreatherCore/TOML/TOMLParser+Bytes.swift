/// Moving over the bytes: lines, columns, blanks and comments, and how a message names the
/// character it stopped at.
extension TOMLParser {
    func ascii(_ character: Unicode.Scalar) -> UInt8 {
        UInt8(ascii: character)
    }

    func peek(_ offset: Int = 0) -> UInt8? {
        let at = index + offset
        return at < bytes.count ? bytes[at] : nil
    }

    /// Steps over bytes that are not line breaks; `skipNewline` steps over those.
    mutating func advance(_ count: Int = 1) {
        index = min(index + count, bytes.count)
    }

    /// A line break: `\n`, or `\r\n`. A `\r` alone is not one.
    func isAtNewline() -> Bool {
        peek() == ascii("\n") || (peek() == ascii("\r") && peek(1) == ascii("\n"))
    }

    mutating func skipNewline() {
        advance(peek() == ascii("\r") ? 2 : 1)
        line += 1
        lineStart = index
    }

    /// Spaces and tabs, the only whitespace TOML has within a line.
    mutating func skipSpaces() {
        while let byte = peek(), byte == ascii(" ") || byte == ascii("\t") { advance() }
    }

    /// A `#` comment up to (not including) the line break, if one starts here. Control
    /// characters other than tab are not allowed in it.
    mutating func skipComment() throws(TOMLSyntaxError) {
        guard peek() == ascii("#") else { return }
        advance()
        while let byte = peek(), !isAtNewline() {
            if Self.isControl(byte) && byte != ascii("\t") {
                throw error("the control character \(describeHere()) is not allowed in a comment")
            }
            advance()
        }
    }

    /// U+0000 to U+001F and U+007F.
    static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }

    // MARK: Positions and messages

    /// The position of the next byte. Columns count Unicode scalars: UTF-8 continuation
    /// bytes are not counted.
    var here: TOMLPosition {
        if columns.lineStart != lineStart || columns.index > index {
            columns.lineStart = lineStart
            columns.index = lineStart
            columns.column = 1
        }
        columns.column = bytes[columns.index..<index].reduce(columns.column) { ($1 & 0xC0) == 0x80 ? $0 : $0 + 1 }
        columns.index = index
        return TOMLPosition(line: line, column: columns.column)
    }

    func error(_ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(position: here, message: message)
    }

    func error(at position: TOMLPosition, _ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(position: position, message: message)
    }

    /// The character at the current position as a message shows it: `'x'`, `the end of
    /// the line`, or `U+2028` for one that does not show as itself.
    func describeHere() -> String {
        guard let byte = peek() else { return "the end of the file" }
        if isAtNewline() { return "the end of the line" }
        let rest = bytes[index..<min(index + 4, bytes.count)]
        guard let scalar = String(decoding: rest, as: UTF8.self).unicodeScalars.first else {
            return "an unreadable character"
        }
        if Self.isControl(byte) || (0x80...0xA0).contains(scalar.value) || scalar.properties.isWhitespace
            || scalar.properties.generalCategory == .format || scalar == "\u{FFFD}"
        {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(Character(scalar))'"
    }
}
