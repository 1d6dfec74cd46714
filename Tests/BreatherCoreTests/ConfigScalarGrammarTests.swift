import Testing
@testable import BreatherCore

/// The bare-value grammar that guards toml++, and the texts toml++ 3.4 would trap on.
@Suite struct ConfigScalarGrammarTests {
    @Test(arguments: [
        "true", "false", "0", "+0", "-0", "42", "-17", "1_000", "0xDEAD_beef", "0o755", "0b1101",
        "3.14", "-0.01", "5e+22", "1E6", "-2E-2", "6.626e-34", "224_617.445_991", "inf", "+inf", "-nan", "nan",
        "1979-05-27", "07:32:00", "00:32:00.999999", "1979-05-27T07:32:00", "1979-05-27t07:32:00Z",
        "1979-05-27 07:32:00.5-07:00", "1979-05-27T00:32:00.999999+01:00",
    ])
    func acceptsTOMLValues(text: String) {
        #expect(TOMLScalarGrammar.isValid(Array(text.utf8)))
    }

    @Test(arguments: [
        "", "True", "tru", "30m", "1h30m", "01", "1__0", "_1", "1_", "0x", "+0x1", "1.", ".5", "1e", "e5", "1.5.5",
        "1979-05-27truT07:32:00-08:00", "1979-05-27 0", "1979-5-27", "07:32", "1979-05-27T07:32:00+8",
        "https://example.org", "1979-05-27T", "infinity",
    ])
    func rejectsOtherText(text: String) {
        #expect(!TOMLScalarGrammar.isValid(Array(text.utf8)))
    }

    /// Each of these made toml++ 3.4 assert (abort) before the guard existed.
    @Test(arguments: [
        ("[{me}channels.desktop]\n", 1, "error while parsing table header: expected bare key starting character or string delimiter, saw '{'."),
        ("a = 1\n[\nb = 2\n", 2, "error while parsing table header: expected bare key starting character or string delimiter, saw the end of the line."),
        ("[[ [a]]\n", 1, "error while parsing table header: expected bare key starting character or string delimiter, saw '['."),
        ("x = [\n  1,\n  }\n]\n", 3, "error while parsing array: expected a value, saw '}'."),
        ("to = [\u{2028}\"desktop\"]\n", 1, "found the character U+2028 outside a string or comment; only strings and comments may hold non-ASCII characters."),
        ("a = 1979-05-27 0\n", 1, "the value is not a quoted string, a number, a boolean, a date or a time; put text in double quotes, like \"30m\"."),
        ("l = 1979-05-27truT07:32:00-08:00\n", 1, "the value is not a quoted string, a number, a boolean, a date or a time; put text in double quotes, like \"30m\"."),
        ("duration = 30m\n", 1, "the value is not a quoted string, a number, a boolean, a date or a time; put text in double quotes, like \"30m\"."),
    ])
    func hazardsAreReportedNotParsed(text: String, line: Int, detail: String) {
        guard case .failure(.unusable(let diagnostic)) = TOMLSource.parse(text, file: "f.toml") else {
            Issue.record("parsed \(text.debugDescription)")
            return
        }
        #expect(diagnostic == Diagnostic(file: "f.toml", line: line, message: "this is not valid TOML: " + detail))
    }

    @Test func deepNestingStopsBeforeTheStackDoes() {
        let deep = "a = " + String(repeating: "[", count: 200_000) + "\n"
        guard case .failure(.unusable(let diagnostic)) = TOMLSource.parse(deep, file: "f.toml") else {
            Issue.record("parsed")
            return
        }
        #expect(diagnostic.message == "this is not valid TOML: error while parsing value: exceeded maximum nested value depth of 256.")
        let ok = "a = " + String(repeating: "[", count: 256) + String(repeating: "]", count: 256) + "\n"
        guard case .success = TOMLSource.parse(ok, file: "f.toml") else {
            Issue.record("256 levels were refused")
            return
        }
    }

    @Test func anEarlierSyntaxErrorIsStillTheOneReported() {
        guard case .failure(.unusable(let diagnostic)) = TOMLSource.parse("a = \"open\nb = 1\n[{x}]\n", file: "f.toml") else {
            Issue.record("parsed")
            return
        }
        #expect(diagnostic.line == 1)
        #expect(diagnostic.message.contains("table header") == false)
    }

    @Test func anUnquotedURLIsNotEchoed() {
        guard case .failure(.unusable(let diagnostic)) = TOMLSource.parse("url = https://example.org/s3cr3t\n", file: "f.toml") else {
            Issue.record("parsed")
            return
        }
        #expect(!diagnostic.message.contains("s3cr3t"))
        #expect(!diagnostic.message.contains("example.org"))
    }
}
