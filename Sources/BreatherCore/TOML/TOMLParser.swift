/// A TOML 1.0 parser that keeps the line and column of every key and every value.
///
/// One pass over the UTF-8 bytes, statement by statement; the first problem ends the parse
/// with a `TOMLSyntaxError` at the character where it was found. It never traps on what a
/// file holds: every index is checked, and nesting is bounded so that `[[[[…` cannot
/// exhaust the stack.
///
/// What may redefine what follows TOML 1.0 (and Python's `tomllib`, which the
/// differential test compares against): a `[header]` defines a table once; dotted keys
/// may add to tables they made in the same section only; inline tables and arrays written
/// as values are complete as written.
struct TOMLParser {
    /// Arrays and inline tables nested deeper than this are refused: no config needs it,
    /// and each level costs stack.
    static let maxDepth = 256

    let bytes: [UInt8]
    var index = 0
    var line = 1
    /// Where the current line starts, for columns.
    var lineStart = 0
    var depth = 0
    let root = TOMLTable(origin: .header)
    /// The table key/value lines go into: the root, or the latest header's.
    var current: TOMLTable
    /// Tables dotted keys made or reached in this section; the next header seals them.
    var pendingSeals: [TOMLTable] = []
    /// The last column worked out, so that each new one counts only the bytes after it:
    /// counting from the line's start every time would make a long line quadratic.
    let columns = ColumnMemo()

    final class ColumnMemo {
        var lineStart = -1
        var index = 0
        var column = 1
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.current = root
        root.isSealed = true
    }

    /// The document `text` holds, or where and why it is not TOML.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        try parser.parseDocument()
        return parser.root
    }

    // MARK: Statements

    mutating func parseDocument() throws(TOMLSyntaxError) {
        // A byte order mark is not text; editors on some systems write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipSpaces()
            guard let byte = peek() else { return }
            if isAtNewline() {
                skipNewline()
                continue
            }
            let what: String
            if byte == ascii("#") {
                what = "comment"
            } else if byte == ascii("[") {
                try parseHeader()
                what = "table header"
            } else if Self.isKeyStart(byte) {
                try parseKeyValue()
                what = "key-value pair"
            } else {
                throw error("expected a key, a [table] header or a comment, saw \(describeHere())")
            }
            skipSpaces()
            try skipComment()
            guard peek() == nil || isAtNewline() else {
                throw error("error while parsing \(what): expected a comment or whitespace, saw \(describeHere())")
            }
        }
    }

    /// `key = value` in the current table.
    mutating func parseKeyValue() throws(TOMLSyntaxError) {
        let keys = try parseKey()
        try expectEquals()
        let value = try parseValue()
        var table = current
        for (key, position) in keys.dropLast() {
            guard let entry = table.entry(key) else {
                let made = TOMLTable(origin: .dotted)
                table.insert(key, at: position, TOMLValue(kind: .table(made), position: position))
                pendingSeals.append(made)
                table = made
                continue
            }
            guard let next = entry.value.table, !next.isSealed, !next.isFrozen else {
                throw error(
                    at: position,
                    "\(Self.keyText(key)) is already defined on line \(entry.keyPosition.line) "
                        + "as \(Self.noun(entry.value)); a dotted key cannot add to it")
            }
            pendingSeals.append(next)
            table = next
        }
        let (key, position) = keys[keys.count - 1]
        if let entry = table.entry(key) {
            throw error(at: position, "\(Self.keyText(key)) is already defined on line \(entry.keyPosition.line)")
        }
        table.insert(key, at: position, value)
    }

    /// `[a.b]` or `[[a.b]]`: makes the table the following key/value lines go into.
    mutating func parseHeader() throws(TOMLSyntaxError) {
        let start = here
        let isArray = peek(1) == ascii("[")
        let what = isArray ? "array of tables header" : "table header"
        advance(isArray ? 2 : 1)
        skipSpaces()
        guard let byte = peek(), Self.isKeyStart(byte) else {
            throw error("error while parsing \(what): expected a key, saw \(describeHere())")
        }
        let keys = try parseKey()
        let closing: [UInt8] = isArray ? [ascii("]"), ascii("]")] : [ascii("]")]
        guard bytes[index...].starts(with: closing) else {
            throw error("error while parsing \(what): expected '\(isArray ? "]]" : "]")', saw \(describeHere())")
        }
        advance(closing.count)
        for table in pendingSeals { table.isSealed = true }
        pendingSeals = []
        current = try openTable(keys, isArray: isArray, at: start)
    }

    /// Finds or makes the table a header names, stepping into the latest element of any
    /// array of tables on the way (`[[a]]` then `[a.b]` means the last `a`'s `b`).
    mutating func openTable(
        _ keys: [(String, TOMLPosition)], isArray: Bool, at start: TOMLPosition
    ) throws(TOMLSyntaxError) -> TOMLTable {
        var table = root
        for (key, position) in keys.dropLast() {
            guard let entry = table.entry(key) else {
                let made = TOMLTable(origin: .implicit)
                table.insert(key, at: position, TOMLValue(kind: .table(made), position: start))
                table = made
                continue
            }
            if let next = entry.value.table, !next.isFrozen {
                table = next
            } else if let array = entry.value.array, array.isArrayOfTables, let last = array.elements.last?.table {
                table = last
            } else {
                throw error(
                    at: position,
                    "\(Self.keyText(key)) is already defined on line \(entry.keyPosition.line) "
                        + "as \(Self.noun(entry.value)), so a header cannot add a table to it")
            }
        }
        let (key, position) = keys[keys.count - 1]
        let shown = Self.headerText(keys, isArray: isArray)
        let existing = table.entry(key)
        if isArray {
            let element = TOMLTable(origin: .arrayElement)
            let value = TOMLValue(kind: .table(element), position: start)
            guard let existing else {
                table.insert(
                    key, at: position,
                    TOMLValue(kind: .array(TOMLArray(elements: [value], isArrayOfTables: true)), position: start))
                return element
            }
            guard let array = existing.value.array, array.isArrayOfTables else {
                throw error(
                    at: position,
                    "\(shown) names \(Self.noun(existing.value)) defined on line "
                        + "\(existing.keyPosition.line), not an array of tables")
            }
            array.append(value)
            return element
        }
        guard let existing else {
            let made = TOMLTable(origin: .header)
            made.isSealed = true
            table.insert(key, at: position, TOMLValue(kind: .table(made), position: start))
            return made
        }
        guard let defined = existing.value.table, !defined.isSealed, !defined.isFrozen else {
            throw error(
                at: position,
                "\(shown) is already defined on line \(existing.keyPosition.line)"
                    + (existing.value.table == nil ? " as \(Self.noun(existing.value))" : ""))
        }
        defined.isSealed = true
        defined.origin = .header
        table.redefine(key, at: position, valueAt: start)
        return defined
    }

    // MARK: Keys

    /// `a`, `"a b"`, `'a'`, `a."b".c`: the parts of a possibly dotted key and where each starts.
    mutating func parseKey() throws(TOMLSyntaxError) -> [(String, TOMLPosition)] {
        var keys: [(String, TOMLPosition)] = []
        while true {
            skipSpaces()
            let position = here
            guard let byte = peek() else { throw error("expected a key, saw \(describeHere())") }
            if byte == ascii("\"") {
                keys.append((try parseBasicString(), position))
            } else if byte == ascii("'") {
                keys.append((try parseLiteralString(), position))
            } else if Self.isBareKeyByte(byte) {
                let start = index
                while let byte = peek(), Self.isBareKeyByte(byte) { advance() }
                keys.append((String(decoding: bytes[start..<index], as: UTF8.self), position))
            } else {
                throw error("expected a key, saw \(describeHere())")
            }
            skipSpaces()
            guard peek() == ascii(".") else { return keys }
            advance()
        }
    }

    mutating func expectEquals() throws(TOMLSyntaxError) {
        skipSpaces()
        guard peek() == ascii("=") else {
            throw error("error while parsing key-value pair: expected '=' after the key, saw \(describeHere())")
        }
        advance()
        skipSpaces()
    }

    static func isKeyStart(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    // MARK: Values

    mutating func parseValue() throws(TOMLSyntaxError) -> TOMLValue {
        let position = here
        guard let byte = peek() else {
            throw error("error while parsing value: expected a value, saw the end of the file")
        }
        let kind: TOMLValue.Kind
        switch byte {
        case ascii("\""):
            kind = .string(
                peek(1) == byte && peek(2) == byte ? try parseMultiLineBasicString() : try parseBasicString())
        case ascii("'"):
            kind = .string(
                peek(1) == byte && peek(2) == byte ? try parseMultiLineLiteralString() : try parseLiteralString())
        case ascii("["):
            kind = .array(try parseArray())
        case ascii("{"):
            kind = .table(try parseInlineTable())
        default:
            kind = try parseBareValue()
        }
        return TOMLValue(kind: kind, position: position)
    }

    /// `[1, 2, 3]`, across lines, with comments and a trailing comma allowed.
    mutating func parseArray() throws(TOMLSyntaxError) -> TOMLArray {
        try enterNested()
        defer { depth -= 1 }
        advance()
        let array = TOMLArray(isArrayOfTables: false)
        while true {
            try skipArrayBlanks()
            if peek() == ascii("]") {
                advance()
                return array
            }
            array.append(try parseValue())
            try skipArrayBlanks()
            if peek() == ascii(",") {
                advance()
            } else if peek() != ascii("]") {
                throw error("error while parsing array: expected ',' or ']' after an element, saw \(describeHere())")
            }
        }
    }

    /// `{ a = 1, b.c = 2 }`: on one line, no trailing comma, complete as written.
    mutating func parseInlineTable() throws(TOMLSyntaxError) -> TOMLTable {
        try enterNested()
        defer { depth -= 1 }
        advance()
        let table = TOMLTable(origin: .inline)
        skipSpaces()
        if peek() == ascii("}") {
            advance()
            table.freeze()
            return table
        }
        while true {
            let keys = try parseKey()
            try expectEquals()
            let value = try parseValue()
            var target = table
            for (key, position) in keys.dropLast() {
                guard let entry = target.entry(key) else {
                    let made = TOMLTable(origin: .dotted)
                    target.insert(key, at: position, TOMLValue(kind: .table(made), position: position))
                    target = made
                    continue
                }
                guard let next = entry.value.table, !next.isFrozen else {
                    throw error(
                        at: position,
                        "\(Self.keyText(key)) is already defined in this inline table "
                            + "as \(Self.noun(entry.value)); a dotted key cannot add to it")
                }
                target = next
            }
            let (key, position) = keys[keys.count - 1]
            guard !target.contains(key) else {
                throw error(at: position, "\(Self.keyText(key)) is already defined in this inline table")
            }
            target.insert(key, at: position, value)
            skipSpaces()
            if peek() == ascii("}") {
                advance()
                table.freeze()
                return table
            }
            guard peek() == ascii(",") else {
                throw error(
                    "error while parsing inline table: expected ',' or '}', saw \(describeHere()); "
                        + "an inline table is written on one line")
            }
            advance()
        }
    }

    mutating func enterNested() throws(TOMLSyntaxError) {
        guard depth < Self.maxDepth else {
            throw error("arrays and inline tables are nested more than \(Self.maxDepth) deep")
        }
        depth += 1
    }

    /// Spaces, line breaks and comments between array elements.
    mutating func skipArrayBlanks() throws(TOMLSyntaxError) {
        while true {
            skipSpaces()
            if isAtNewline() {
                skipNewline()
            } else if peek() == ascii("#") {
                try skipComment()
            } else {
                return
            }
        }
    }

    // MARK: Messages

    /// A key as a message shows it: bare when it can be, quoted otherwise.
    static func keyText(_ key: String) -> String {
        TOMLKeyText.display(key)
    }

    static func headerText(_ keys: [(String, TOMLPosition)], isArray: Bool) -> String {
        let name = keys.map { keyText($0.0) }.joined(separator: ".")
        return isArray ? "[[\(name)]]" : "[\(name)]"
    }

    /// What a defined value is, for a message about redefining it.
    static func noun(_ value: TOMLValue) -> String {
        switch value.kind {
        case .table(let table):
            switch table.origin {
            case .inline: return "an inline table"
            case .dotted: return "a table of dotted keys"
            case .header, .implicit, .arrayElement: return "a table"
            }
        case .array(let array): return array.isArrayOfTables ? "an array of tables" : "an array"
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .dateTime: return "a date-time"
        case .date: return "a date"
        case .time: return "a time"
        }
    }
}
