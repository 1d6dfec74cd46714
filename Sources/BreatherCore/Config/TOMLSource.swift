import Foundation

/// One TOML file read from disk and parsed: its table, and a reader that knows the line of
/// every key and value in it.
struct TOMLSource {
    let table: TOMLTable
    let reader: TOMLDocumentReader

    enum Failure: Error {
        /// There is no file at the path.
        case missing
        /// The file exists but cannot be used; the diagnostic says why.
        case unusable(Diagnostic)
    }

    /// A config file is a few kilobytes; anything far larger is a mistake, not a config.
    static let sizeLimit = 1 << 20

    static func load(_ path: String) -> Result<TOMLSource, Failure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(.missing)
        }
        func unusable(_ line: Int?, _ message: String) -> Result<TOMLSource, Failure> {
            .failure(.unusable(Diagnostic(file: path, line: line, message: message)))
        }
        if isDirectory.boolValue {
            return unusable(nil, "this is a folder, not a TOML file.")
        }
        if let problem = FileTrust.problem(path) {
            return unusable(nil, "this file " + problem)
        }
        guard let bytes = try? AtomicFile.read(path) else {
            return unusable(nil, "the file cannot be read; check its permissions.")
        }
        let data = Data(bytes)
        guard data.count <= sizeLimit else {
            return unusable(nil, "the file is larger than 1 MiB, far more than any Breather configuration needs.")
        }
        if let nul = data.firstIndex(of: 0) {
            let line = data[data.startIndex..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            return unusable(line, "the file contains a NUL character, which TOML does not allow.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return unusable(nil, "the file is not UTF-8 text, which TOML requires.")
        }
        return parse(text, file: path)
    }

    /// Parses `text`; a syntax error becomes one diagnostic, on the line where the parser
    /// found it.
    static func parse(_ text: String, file: String) -> Result<TOMLSource, Failure> {
        do {
            let table = try TOMLParser.parse(text)
            return .success(TOMLSource(table: table, reader: TOMLDocumentReader(file: file, root: table)))
        } catch {
            return .failure(.unusable(Diagnostic(file: file, line: error.line, message: syntaxMessage(error.message))))
        }
    }

    /// `this is not valid TOML: <parser's words>.`
    static func syntaxMessage(_ description: String) -> String {
        var detail = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if detail.isEmpty { detail = "the parser gave no reason" }
        if let first = detail.first, first.isUppercase, detail.dropFirst().first?.isLowercase == true {
            detail = first.lowercased() + detail.dropFirst()
        }
        if !(detail.hasSuffix(".") || detail.hasSuffix("!") || detail.hasSuffix("?")) {
            detail += "."
        }
        return "this is not valid TOML: \(detail)"
    }
}
