import Foundation
import Testing

@testable import BreatherCore

/// Our parser against Python's `tomllib` over generated documents, valid and broken
/// (TOMLDifferential/tomllib_oracle.py writes them and tomllib's verdicts). A document
/// tomllib reads must give the same value here; one it rejects must be rejected here with
/// a `file:line: message` diagnostic. Python is part of the test suite (the integration
/// tests need it too), so a missing python3 or tomllib fails the test instead of skipping.
@Suite struct TOMLDifferentialTests {
    struct Case: Decodable {
        var doc: String
        var ok: Bool
        var canon: String?
        var line: Int?
        var error: String?
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("TOMLDifferential/tomllib_oracle.py").path
    static let python = "/usr/bin/python3"
    /// Fixed, so that a failure replays: `python3 tomllib_oracle.py 20261201 900`.
    static let seed = 20_261_201
    static let count = 900

    static func oracle() throws -> [Case] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, String(seed), String(count)]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OracleFailure(message: String(decoding: problem, as: UTF8.self))
        }
        return try JSONDecoder().decode([Case].self, from: data)
    }

    struct OracleFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "\(TOMLDifferentialTests.python) \(TOMLDifferentialTests.script) failed: \(message)" }
    }

    @Test func agreesWithTomllib() throws {
        let cases = try Self.oracle()
        #expect(cases.count == Self.count)
        // Both kinds in numbers worth the name, or the generator has rotted.
        #expect(cases.filter(\.ok).count >= Self.count / 4)
        #expect(cases.filter { !$0.ok }.count >= Self.count / 4)
        let shape = try Regex(#"^doc\.toml:[1-9][0-9]*: this is not valid TOML: .+\.$"#)
        var sameLine = 0
        for (number, testCase) in cases.enumerated() {
            let shown = "case \(number): \(testCase.doc.debugDescription)"
            switch TOMLSource.parse(testCase.doc, file: "doc.toml") {
            case .success(let source):
                #expect(testCase.ok, "tomllib rejected what we read; tomllib: \(testCase.error ?? "")\n\(shown)")
                if testCase.ok {
                    let ours = Self.canon(.table(source.table))
                    #expect(
                        ours == testCase.canon,
                        "values differ\nours:    \(ours)\ntomllib: \(testCase.canon ?? "")\n\(shown)")
                }
            case .failure(.unusable(let diagnostic)):
                #expect(!testCase.ok, "we rejected what tomllib read: \(diagnostic)\n\(shown)")
                #expect(diagnostic.description.wholeMatch(of: shape) != nil, "\(diagnostic)")
                if diagnostic.line == testCase.line { sameLine += 1 }
            case .failure(.missing):
                Issue.record("parse said the file is missing")
            }
        }
        // Not a requirement (the two parsers may notice a problem at different points), but
        // a sharp drop means our lines went wrong.
        let rejected = cases.filter { !$0.ok }.count
        #expect(sameLine * 10 >= rejected * 7, "only \(sameLine) of \(rejected) rejections on tomllib's line")
    }

    /// The oracle's canonical form: see tomllib_oracle.py.
    static func canon(_ kind: TOMLValue.Kind) -> String {
        switch kind {
        case .table(let table):
            let items = table.keys.map { key in (hex(key), canon(table[key]!.kind)) }.sorted { $0.0 < $1.0 }
            return "{" + items.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
        case .array(let array):
            return "[" + array.elements.map { canon($0.kind) }.joined(separator: ",") + "]"
        case .boolean(let value):
            return "b:\(value)"
        case .string(let value):
            return "s:" + hex(value)
        case .integer(let value):
            return "i:\(value)"
        case .float(let value):
            if value.isNaN { return "f:nan" }
            let bits = String(value.bitPattern, radix: 16)
            return "f:" + String(repeating: "0", count: 16 - bits.count) + bits
        case .dateTime(let value):
            let text = "\(value.date)T\(clock(value.time))"
            guard let offset = value.offsetMinutes else { return "ldt:" + text }
            let size = abs(offset)
            return "odt:" + text + (offset < 0 ? "-" : "+") + TOMLLocalDate.padded(size / 60, 2) + ":"
                + TOMLLocalDate.padded(size % 60, 2)
        case .date(let value):
            return "d:\(value)"
        case .time(let value):
            return "t:" + clock(value)
        }
    }

    /// To the microsecond, as Python's datetime keeps it.
    static func clock(_ time: TOMLLocalTime) -> String {
        TOMLLocalDate.padded(time.hour, 2) + ":" + TOMLLocalDate.padded(time.minute, 2) + ":"
            + TOMLLocalDate.padded(time.second, 2) + "." + TOMLLocalDate.padded(time.nanosecond / 1000, 6)
    }

    static func hex(_ text: String) -> String {
        text.utf8.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
