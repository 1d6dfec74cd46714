/// The scanner behind `TOMLLineIndex`: one pass over the UTF-8 bytes, statement by
/// statement, noting lines and stopping at the first hazard (see `TOMLScanner+Hazards`).
struct TOMLScanner {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    var lines: [TOMLKeyPath: Int] = [:]
    /// For each array of tables seen (by resolved path), how many elements it has so far.
    var arrayCounts: [TOMLKeyPath: Int] = [:]
    var currentTable: TOMLKeyPath = []
    var hazard: TOMLLineIndex.Hazard?
    /// Where the statement being read (a header or a top-level key/value) starts.
    var statementStart = 0
    /// How many arrays and inline tables the scanner is inside.
    var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    // MARK: Statements

    mutating func run() {
        while true {
            statementStart = position
            skipBlank(newlines: true)
            guard let byte = peek() else { return }
            let start = position
            if byte == UInt8(ascii: "[") {
                header()
            } else {
                keyValue(in: currentTable)
            }
            skipToEndOfLine()
            if position == start { advance() }
        }
    }

    /// `[a.b]` or `[[a.b]]`; headers are absolute paths.
    mutating func header() {
        let headerLine = line
        let isArray = peek(1) == UInt8(ascii: "[")
        advance()
        if isArray { advance() }
        if let found = unsafeKeyStart(isArray: isArray) {
            stop(line: headerLine, "error while parsing table header: expected bare key starting character or string delimiter, saw \(found)")
            return
        }
        let keys = parseKey()
        guard let last = keys.last else { return }
        var path = resolve(keys.dropLast(), line: headerLine)
        path.append(.key(last))
        if isArray {
            let count = arrayCounts[path, default: 0]
            arrayCounts[path] = count + 1
            note(path, headerLine)
            path.append(.index(count))
        }
        lines[path] = headerLine
        currentTable = path
    }

    /// The table a header's leading keys name, stepping into the latest element of any
    /// array of tables on the way (`[[a]]` then `[a.b]` means the last `a`'s `b`).
    mutating func resolve(_ keys: ArraySlice<String>, line: Int) -> TOMLKeyPath {
        var path: TOMLKeyPath = []
        for key in keys {
            path.append(.key(key))
            note(path, line)
            if let count = arrayCounts[path], count > 0 {
                path.append(.index(count - 1))
            }
        }
        return path
    }

    /// `a.b = value`, at the top of a table or inside an inline table.
    mutating func keyValue(in table: TOMLKeyPath) {
        let keyLine = line
        let keys = parseKey()
        guard !keys.isEmpty else { return }
        var path = table
        for key in keys {
            path.append(.key(key))
            note(path, keyLine)
        }
        skipBlank(newlines: false)
        guard peek() == UInt8(ascii: "=") else { return }
        advance()
        skipBlank(newlines: false)
        value(at: path)
    }

    /// Records a line unless the path already has one (the first mention wins; headers
    /// overwrite, since they are the table's own definition).
    mutating func note(_ path: TOMLKeyPath, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    // MARK: Values

    mutating func value(at path: TOMLKeyPath) {
        guard let byte = peek() else { return }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            skipString()
        case UInt8(ascii: "["):
            array(at: path)
        case UInt8(ascii: "{"):
            inlineTable(at: path)
        default:
            if let detail = scalarHazard() {
                stop(line: line, detail)
                return
            }
            while let byte = peek(), !Self.endsScalar(byte) { advance() }
        }
    }

    mutating func array(at path: TOMLKeyPath) {
        guard enterNested() else { return }
        defer { depth -= 1 }
        advance()
        var index = 0
        while true {
            skipBlank(newlines: true)
            guard let byte = peek() else { return }
            if byte == UInt8(ascii: "]") { advance(); return }
            if byte == UInt8(ascii: ",") { advance(); continue }
            if unsafeArrayElement() {
                stop(line: line, "error while parsing array: expected a value, saw \(describe(at: position))")
                return
            }
            let start = position
            let element = path + [.index(index)]
            note(element, line)
            value(at: element)
            index += 1
            if position == start { advance() }
        }
    }

    mutating func inlineTable(at path: TOMLKeyPath) {
        guard enterNested() else { return }
        defer { depth -= 1 }
        advance()
        while true {
            skipBlank(newlines: true)
            guard let byte = peek() else { return }
            if byte == UInt8(ascii: "}") { advance(); return }
            if byte == UInt8(ascii: ",") { advance(); continue }
            let start = position
            keyValue(in: path)
            if position == start { advance() }
        }
    }

    static func endsScalar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"),
             UInt8(ascii: "\n"), UInt8(ascii: "#"):
            return true
        default:
            return false
        }
    }

    // MARK: Keys

    /// `a`, `"a b"`, `'a'`, `a."b".c`: the parts of a (possibly dotted) key.
    mutating func parseKey() -> [String] {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "\"") {
                keys.append(basicString())
            } else if byte == UInt8(ascii: "'") {
                keys.append(literalString())
            } else if Self.isBare(byte) {
                var key: [UInt8] = []
                while let byte = peek(), Self.isBare(byte) {
                    key.append(byte)
                    advance()
                }
                keys.append(String(decoding: key, as: UTF8.self))
            } else {
                break
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { break }
            advance()
        }
        return keys
    }

    static func isBare(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    // MARK: Strings

    mutating func skipString() {
        guard let quote = peek() else { return }
        if peek(1) == quote, peek(2) == quote {
            multiLineString(quote: quote)
        } else if quote == UInt8(ascii: "\"") {
            _ = basicString()
        } else {
            _ = literalString()
        }
    }

    /// `"..."` with its escapes decoded; stops at the closing quote or the line's end.
    mutating func basicString() -> String {
        advance()
        var out: [UInt8] = []
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            advance()
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard let escaped = peek(), escaped != UInt8(ascii: "\n") else { break }
            advance()
            switch escaped {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "e"): out.append(0x1B)
            case UInt8(ascii: "u"): out += unicodeEscape(digits: 4)
            case UInt8(ascii: "U"): out += unicodeEscape(digits: 8)
            default: out.append(escaped)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func unicodeEscape(digits: Int) -> [UInt8] {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = Self.hexValue(byte) else { break }
            value = value &* 16 &+ digit
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return Array(String(Character(scalar)).utf8)
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `'...'`, taken as written.
    mutating func literalString() -> String {
        advance()
        var out: [UInt8] = []
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            advance()
            if byte == UInt8(ascii: "'") { break }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `"""..."""` or `'''...'''`, across lines; up to two extra quotes before the closing
    /// three belong to the string.
    mutating func multiLineString(quote: UInt8) {
        advance(); advance(); advance()
        while let byte = peek() {
            if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                advance()
                if peek() != nil { advance() }
                continue
            }
            if byte == quote, peek(1) == quote, peek(2) == quote {
                advance(); advance(); advance()
                var extra = 0
                while extra < 2, peek() == quote {
                    advance()
                    extra += 1
                }
                return
            }
            advance()
        }
    }

    // MARK: Bytes

    func peek(_ offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func advance() {
        guard position < bytes.count else { return }
        if bytes[position] == UInt8(ascii: "\n") { line += 1 }
        position += 1
    }

    mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            advance()
        }
        checkTokenStart()
    }

    /// Spaces, tabs, carriage returns, comments and, when asked, line breaks.
    mutating func skipBlank(newlines: Bool) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                advance()
            case UInt8(ascii: "\n") where newlines:
                advance()
            case UInt8(ascii: "#"):
                while let byte = peek(), byte != UInt8(ascii: "\n") { advance() }
            default:
                checkTokenStart()
                return
            }
        }
    }

    mutating func skipToEndOfLine() {
        while let byte = peek(), byte != UInt8(ascii: "\n") { advance() }
    }
}
