/// Why a text is not TOML, and where: the parser stops at the first such problem.
struct TOMLSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    var position: TOMLPosition
    /// Lower-case, without a final full stop: `TOMLSource.syntaxMessage` turns it into
    /// the sentence a diagnostic shows.
    var message: String

    var line: Int { position.line }

    var description: String { "\(position): \(message)" }
}
