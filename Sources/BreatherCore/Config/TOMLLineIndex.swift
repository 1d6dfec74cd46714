/// The line each key of a TOML document is written on.
///
/// TOMLKit gives values but no positions, so this scanner reads the raw text once and
/// notes, for every key path, the 1-based line of its key (`key = value`), table header
/// (`[table]`, `[[array]]`) or array element. It understands dotted and quoted keys,
/// arrays of tables (each element gets its 0-based index), inline tables and arrays, and
/// skips the insides of strings, multi-line ones included.
///
/// The same pass finds text that would make toml++ trap (`hazard`), so it runs before
/// TOMLKit sees the text. On malformed text it still ends and never traps; it just knows
/// fewer lines.
struct TOMLLineIndex: Sendable {
    private let lines: [TOMLKeyPath: Int]

    /// A spot toml++ 3.4 would parse without checking it first, where it asserts (and,
    /// in a release build, has undefined behaviour): a table header whose key starts with
    /// something that cannot start a key (`[{x}]`, `[[ [x]]`, a `[` alone on its line), an
    /// array element starting with `}`, a bare value outside TOML's grammar
    /// (`1979-05-27 0`), or a non-ASCII character outside strings and comments (U+2028 is
    /// one that traps). Such text must never reach toml++; all of it is invalid TOML anyway.
    struct Hazard: Sendable, Equatable {
        /// The UTF-8 offset where the statement holding it starts.
        var offset: Int
        var line: Int
        /// What is wrong, in toml++'s words: `error while parsing array: …`.
        var detail: String
    }

    /// The first hazard, if any; scanning stops there.
    let hazard: Hazard?

    init(text: String) {
        var scanner = TOMLScanner(bytes: Array(text.utf8))
        scanner.run()
        self.lines = scanner.lines
        self.hazard = scanner.hazard
    }

    /// The line of exactly this path, if the scanner saw it.
    func exactLine(of path: TOMLKeyPath) -> Int? {
        lines[path]
    }

    /// The line of `path`; failing that, of the nearest enclosing table or array that was
    /// seen; failing that, line 1.
    func line(of path: TOMLKeyPath) -> Int {
        var path = path
        while true {
            if let line = lines[path] { return line }
            if path.isEmpty { return 1 }
            path.removeLast()
        }
    }
}
