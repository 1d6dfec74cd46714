import Foundation
import TOMLKit

/// One TOML file read from disk and parsed: its table and the line of every key.
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

    /// Parses `text`; a syntax error becomes one diagnostic at TOMLKit's line.
    ///
    /// Text toml++ would trap on (see `TOMLLineIndex.Hazard`) is reported without handing
    /// it to toml++: only the part before the hazard is parsed, so that an earlier syntax
    /// error is still the one reported.
    static func parse(_ text: String, file: String) -> Result<TOMLSource, Failure> {
        let lines = TOMLLineIndex(text: text)
        if let hazard = lines.hazard {
            let prefix = String(decoding: text.utf8.prefix(hazard.offset), as: UTF8.self)
            if case .failure(let error) = parseTable(prefix, file: file) { return .failure(error) }
            return .failure(.unusable(Diagnostic(file: file, line: hazard.line, message: syntaxMessage(hazard.detail))))
        }
        switch parseTable(text, file: file) {
        case .failure(let error):
            return .failure(error)
        case .success(let table):
            return .success(TOMLSource(table: table, reader: TOMLDocumentReader(file: file, lines: lines)))
        }
    }

    private static func parseTable(_ text: String, file: String) -> Result<TOMLTable, Failure> {
        do {
            return .success(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            let line = max(1, error.source.begin.line)
            return .failure(.unusable(Diagnostic(file: file, line: line, message: syntaxMessage(error.description))))
        } catch {
            return .failure(.unusable(Diagnostic(file: file, line: 1, message: syntaxMessage("\(error)"))))
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
