import Testing

@testable import BreatherCore

/// How a file that is not TOML is reported: one `file:line: this is not valid TOML: …`
/// diagnostic, on the line of the first problem.
@Suite struct ConfigSyntaxErrorTests {
    static func diagnostic(_ text: String) -> Diagnostic? {
        guard case .failure(.unusable(let diagnostic)) = TOMLSource.parse(text, file: "f.toml") else { return nil }
        return diagnostic
    }

    /// Each of these made toml++ 3.4 (under TOMLKit) assert and abort, so they were kept
    /// from it by a scanner of their own; now they are ordinary syntax errors.
    @Test(arguments: [
        ("[{me}channels.desktop]\n", 1, "error while parsing table header: expected a key, saw '{'."),
        ("a = 1\n[\nb = 2\n", 2, "error while parsing table header: expected a key, saw the end of the line."),
        ("[[ [a]]\n", 1, "error while parsing array of tables header: expected a key, saw '['."),
        ("x = [\n  1,\n  }\n]\n", 3, "error while parsing value: expected a value, saw '}'."),
        ("to = [\u{2028}\"desktop\"]\n", 1, "error while parsing value: expected a value, saw U+2028."),
        ("a = 1979-05-27 0\n", 1, TOMLParser.unquotedValueMessage + "."),
        ("l = 1979-05-27truT07:32:00-08:00\n", 1, TOMLParser.unquotedValueMessage + "."),
        (
            "duration = 30m\n", 1,
            "the value is not a quoted string, a number, a boolean, a date or a time; put text in "
                + "double quotes, like \"30m\"."
        ),
    ])
    func oldTrapsAreSyntaxErrors(text: String, line: Int, detail: String) {
        #expect(
            Self.diagnostic(text)
                == Diagnostic(file: "f.toml", line: line, message: "this is not valid TOML: " + detail))
    }

    @Test(arguments: [
        ("a = 1\na = 2\n", 2, "a is already defined on line 1."),
        ("[announce]\nto = [\"x\"]\n\n[announce]\n", 4, "[announce] is already defined on line 1."),
        ("[[reminder]]\n[reminder]\n", 2, "[reminder] is already defined on line 1 as an array of tables."),
        ("announce = \"hi\"\n[announce]\n", 2, "[announce] is already defined on line 1 as a string."),
        (
            "[a]\nb = 1\n[a.b.c]\n", 3,
            "b is already defined on line 2 as an integer, so a header cannot add a table to it."
        ),
        (
            "a = { b = 1 }\na.c = 2\n", 2,
            "a is already defined on line 1 as an inline table; a dotted key cannot add to it."
        ),
        ("reminder = []\n[[reminder]]\n", 2, "[[reminder]] names an array defined on line 1, not an array of tables."),
        (
            "s = \"open\nx = 1\n", 1,
            "the string that starts at column 5 is not closed before the end of the line; end it with \"."
        ),
        ("\ns = \"\"\"open\n", 2, "this multi-line string is never closed with \"\"\"."),
        ("s = \"\\x\"\n", 1, "\\x is not an escape TOML knows; write '\\\\' for a backslash."),
        ("n = 9223372036854775808\n", 1, TOMLParser.integerRangeMessage + "."),
        ("d = 2023-02-29\n", 1, "the date 2023-02-29 does not exist."),
        ("a = 1 # \u{7}\n", 1, "the control character U+0007 is not allowed in a comment."),
    ])
    func messagesSayWhatAndWhere(text: String, line: Int, detail: String) {
        #expect(
            Self.diagnostic(text)
                == Diagnostic(file: "f.toml", line: line, message: "this is not valid TOML: " + detail))
    }

    @Test func deepNestingIsRefused() {
        let deep = "a = " + String(repeating: "[", count: 200_000) + "\n"
        #expect(
            Self.diagnostic(deep)?.message
                == "this is not valid TOML: arrays and inline tables are nested more than 256 deep.")
    }

    @Test func theFirstProblemIsTheOneReported() {
        let diagnostic = Self.diagnostic("a = \"open\nb = 1\n[{x}]\n")
        #expect(diagnostic?.line == 1)
        #expect(diagnostic?.message.contains("table header") == false)
    }

    /// A webhook URL may hold a key; written without quotes, it must not be echoed.
    @Test func anUnquotedURLIsNotEchoed() {
        let diagnostic = Self.diagnostic("url = https://example.org/s3cr3t\n")
        #expect(diagnostic?.line == 1)
        #expect(diagnostic?.message.contains("s3cr3t") == false)
        #expect(diagnostic?.message.contains("example.org") == false)
    }

    /// A key holding a line separator is escaped in a message, which stays one line.
    @Test func messagesStayOnOneLine() {
        let diagnostic = Self.diagnostic("\"a\\u2028b\\nc\" = 1\n\"a\\u2028b\\nc\" = 2\n")
        #expect(diagnostic?.message == "this is not valid TOML: \"a\\u2028b\\nc\" is already defined on line 1.")
    }
}
