/// A TOML table: keys in the order written, each with where the key was written and its
/// value.
///
/// Keys are compared by their Unicode scalars, as TOML compares them: `"é"` written as one
/// scalar and as `e` plus a combining accent are two keys, although Swift's `String` would
/// call them equal.
///
/// A class, because a document is built by reaching back into tables defined earlier
/// (`[a.b]` after `[a]`); once `TOMLParser` hands it out, nothing changes it.
final class TOMLTable {
    struct Entry {
        var key: String
        /// Where the key was written; for a table a header defines, where that header
        /// names it.
        var keyPosition: TOMLPosition
        var value: TOMLValue
    }

    /// How a table came to be, which decides what may still add to it (TOML 1.0, "Table").
    enum Origin {
        /// The root, or a `[header]` defined it.
        case header
        /// Named only on the way to another table (`a` in `[a.b]`); a `[a]` may still
        /// define it once.
        case implicit
        /// Made by a dotted key (`a.b = 1` makes `a`).
        case dotted
        /// Written as a value: `{ ... }`, complete as written.
        case inline
        /// One element of an array of tables, made by `[[name]]`.
        case arrayElement
    }

    private(set) var keys: [String] = []
    private var entries: [[Unicode.Scalar]: Entry] = [:]
    var origin: Origin
    /// Closed to dotted keys and to its own `[header]`: true once a header defined it, or
    /// once a later section began after dotted keys made or reached it.
    var isSealed = false
    /// Closed to everything: an inline table, or any table inside one.
    var isFrozen = false

    init(origin: Origin) {
        self.origin = origin
    }

    var count: Int { keys.count }

    func entry(_ key: String) -> Entry? {
        entries[Array(key.unicodeScalars)]
    }

    subscript(key: String) -> TOMLValue? {
        entry(key)?.value
    }

    func contains(_ key: String) -> Bool {
        entry(key) != nil
    }

    /// Adds a key the table does not have yet; the parser checks that first.
    func insert(_ key: String, at position: TOMLPosition, _ value: TOMLValue) {
        let scalars = Array(key.unicodeScalars)
        precondition(entries[scalars] == nil, "TOMLTable.insert: \(key) is already there")
        entries[scalars] = Entry(key: key, keyPosition: position, value: value)
        keys.append(key)
    }

    /// Moves an implicit table's key to the header that now defines it.
    func redefine(_ key: String, at position: TOMLPosition, valueAt valuePosition: TOMLPosition) {
        let scalars = Array(key.unicodeScalars)
        entries[scalars]?.keyPosition = position
        entries[scalars]?.value.position = valuePosition
    }

    /// Freezes this table and every table within it.
    ///
    /// Only tables not frozen yet are visited: an inline table freezes itself when it is
    /// complete, so what is left are the tables its dotted keys made, which hang directly
    /// off table entries. (Arrays written as values are complete by kind; the inline tables
    /// in them froze themselves.) Walking everything would cost the whole size of a value
    /// again at each level of nesting.
    func freeze() {
        isFrozen = true
        for entry in entries.values {
            if let table = entry.value.table, !table.isFrozen { table.freeze() }
        }
    }
}
