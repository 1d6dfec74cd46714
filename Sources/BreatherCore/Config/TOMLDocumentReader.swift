/// Reads typed values out of one parsed TOML file and collects its problems as
/// `file:line: message` diagnostics, each on the line the parser saw its key, value or
/// table on.
///
/// Every accessor reports what is wrong (missing, wrong type) and returns nil, so a parser
/// can go on and report every problem in the file, not just the first.
final class TOMLDocumentReader {
    let file: String
    let root: TOMLTable
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, root: TOMLTable) {
        self.file = file
        self.root = root
    }

    /// Reports a problem with the value at `path`, on its line (or its table's).
    func report(_ path: TOMLKeyPath, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: line(of: path), message: message))
    }

    /// The line of `path`: of its key, or of its element in an array. For a path that is
    /// not there (a missing key), the line of the nearest table or array on the way that
    /// is; for the root, line 1. A table a header defines is on the header's line.
    func line(of path: TOMLKeyPath) -> Int {
        var line = 1
        var value = TOMLValue(kind: .table(root), position: TOMLPosition(line: 1, column: 1))
        for component in path {
            switch component {
            case .key(let key):
                guard let entry = value.table?.entry(key) else { return line }
                line = entry.keyPosition.line
                value = entry.value
            case .index(let index):
                guard let array = value.array, array.elements.indices.contains(index) else { return line }
                value = array[index]
                line = value.position.line
            }
        }
        return line
    }

    /// The problems in line order (those of the same line in the order found).
    var sortedDiagnostics: [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    // MARK: Keys

    /// Reports every key of `table` that is not in `allowed`. `place` names the table in
    /// the message (`[announce]`); nil for the top level.
    func checkKeys(
        of table: TOMLTable, at path: TOMLKeyPath, allowed: [String], place: String?, allowedText: String? = nil
    ) {
        for key in table.keys where !allowed.contains(key) {
            let whereText = place.map { " in \($0)" } ?? ""
            let allowedList = allowedText ?? "the allowed keys are \(Self.list(allowed, conjunction: "and"))"
            report(path + [.key(key)], "unknown key \(TOMLKeyText.quoted(key))\(whereText); \(allowedList).")
        }
    }

    /// The value under `key`, or nil when there is none.
    func value(_ key: String, in table: TOMLTable) -> TOMLValue? {
        table[key]
    }

    // MARK: Typed values

    /// A string, or nil. `missing` is an example line (`duration = "30m"`) for a required
    /// key; nil when the key is optional. `like` completes "must be a string …".
    func string(
        _ key: String, in table: TOMLTable, at tablePath: TOMLKeyPath, missing: String? = nil, like: String? = nil
    ) -> String? {
        let path = tablePath + [.key(key)]
        guard let value = value(key, in: table) else {
            if let missing { reportMissing(path, example: missing) }
            return nil
        }
        guard let string = value.string else {
            let expected = like.map { "a string like \($0)" } ?? "a string"
            reportWrongType(path, expected: expected, value: value)
            return nil
        }
        return string
    }

    /// `true` or `false`; `fallback` when the key is absent, nil when it is of another type.
    func boolean(_ key: String, in table: TOMLTable, at tablePath: TOMLKeyPath, fallback: Bool) -> Bool? {
        guard let value = value(key, in: table) else { return fallback }
        guard case .boolean(let boolean) = value.kind else {
            reportWrongType(tablePath + [.key(key)], expected: "true or false", value: value)
            return nil
        }
        return boolean
    }

    /// A table, or nil (reported when it is required or of the wrong type).
    func table(_ key: String, in table: TOMLTable, at tablePath: TOMLKeyPath, expected: String, missing: String? = nil)
        -> TOMLTable?
    {
        let path = tablePath + [.key(key)]
        guard let value = value(key, in: table) else {
            if let missing { reportMissing(path, example: missing) }
            return nil
        }
        guard let result = value.table else {
            reportWrongType(path, expected: expected, value: value)
            return nil
        }
        return result
    }

    /// An array, or nil (reported when it is required or of the wrong type).
    func array(_ key: String, in table: TOMLTable, at tablePath: TOMLKeyPath, expected: String, missing: String? = nil)
        -> TOMLArray?
    {
        let path = tablePath + [.key(key)]
        guard let value = value(key, in: table) else {
            if let missing { reportMissing(path, example: missing) }
            return nil
        }
        guard let result = value.array else {
            reportWrongType(path, expected: expected, value: value)
            return nil
        }
        return result
    }

    /// A positive duration such as `1h30m`; `fallback` when the key is absent.
    func duration(
        _ key: String, in table: TOMLTable, at tablePath: TOMLKeyPath, missing: String? = nil, fallback: Span? = nil
    ) -> Span? {
        let path = tablePath + [.key(key)]
        guard let text = string(key, in: table, at: tablePath, missing: missing, like: "\"30m\"") else {
            return value(key, in: table) == nil ? fallback : nil
        }
        if let span = Span(duration: text) { return span }
        let name = path.displayName
        let shown = TOMLKeyText.quoted(text)
        if Span(offset: text) != nil {
            report(
                path,
                "\(name) \(shown) must be longer than zero and carry no sign; write it like \(Self.durationExamples).")
        } else {
            report(path, "\(name) \(shown) is not a duration; write it like \(Self.durationExamples).")
        }
        return nil
    }

    /// A signed offset such as `-5m`, `0s`, `+10m`.
    func offset(_ key: String, in table: TOMLTable, at tablePath: TOMLKeyPath, missing: String) -> Span? {
        let path = tablePath + [.key(key)]
        guard let text = string(key, in: table, at: tablePath, missing: missing, like: "\"-5m\"") else { return nil }
        if let span = Span(offset: text) { return span }
        report(
            path,
            "\(path.displayName) \(TOMLKeyText.quoted(text)) is not an offset; write it like -5m (before the check-in), 0s (at it) or +10m (after it)."
        )
        return nil
    }

    static let durationExamples = "90s, 30m, 1h or 1h30m"

    // MARK: Messages

    func reportMissing(_ path: TOMLKeyPath, example: String) {
        report(path, "\(path.displayName) is missing; add a line like \(example).")
    }

    func reportWrongType(_ path: TOMLKeyPath, expected: String, value: TOMLValue) {
        report(path, "\(path.displayName) must be \(expected), not \(Self.describe(value)).")
    }

    /// A value as a message shows it: strings quoted, numbers and booleans as written,
    /// lists and tables by kind only (their contents could be long, or secret).
    static func describe(_ value: TOMLValue) -> String {
        switch value.kind {
        case .string(let string): return "the string \(TOMLKeyText.quoted(string))"
        case .integer(let integer): return "the integer \(integer)"
        case .float(let float): return "the number \(float)"
        case .boolean(let boolean): return "the boolean \(boolean)"
        case .date: return "a date"
        case .time: return "a time of day"
        case .dateTime: return "a date and time"
        case .array: return "a list"
        case .table: return "a table"
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String], conjunction: String) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
        }
    }
}
