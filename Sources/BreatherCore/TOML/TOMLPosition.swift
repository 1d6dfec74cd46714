/// Where something starts in a TOML document, as an editor counts: 1-based line, and
/// 1-based column in Unicode scalars (so `é` is one column, not two bytes).
struct TOMLPosition: Hashable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int

    var description: String { "\(line):\(column)" }
}
