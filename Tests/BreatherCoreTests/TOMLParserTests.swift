import Testing

@testable import BreatherCore

/// TOML 1.0 edge cases, by hand: what each parses to, or the line it is refused on.
@Suite struct TOMLParserTests {
    /// The value at a dotted path of plain keys (`"a.b.0"`: a number steps into an array).
    static func value(_ root: TOMLTable, _ path: String) -> TOMLValue? {
        var value = TOMLValue(kind: .table(root), position: TOMLPosition(line: 1, column: 1))
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            if let index = Int(part), let array = value.array {
                guard array.elements.indices.contains(index) else { return nil }
                value = array[index]
            } else {
                guard let next = value.table?[String(part)] else { return nil }
                value = next
            }
        }
        return value
    }

    static func string(_ text: String, _ key: String = "s") throws -> String? {
        value(try TOMLParser.parse(text), key)?.string
    }

    /// The error `text` is refused with.
    static func refusal(_ text: String) -> TOMLSyntaxError? {
        do {
            _ = try TOMLParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Strings

    @Test(arguments: [
        (
            #"s = "tab\there \"q\" back\\slash \u00E9 \U0001F600 \b\f\n\r""#,
            "tab\there \"q\" back\\slash é 😀 \u{8}\u{C}\n\r"
        ),
        (#"s = 'C:\Users\no\escapes "here"'"#, #"C:\Users\no\escapes "here""#),
        ("s = \"\"\"\nfirst line dropped\nsecond\"\"\"", "first line dropped\nsecond"),
        ("s = \"\"\"one \\\n    two \\   \n\n  three\"\"\"", "one two three"),
        ("s = \"\"\"quotes \"inside\" and \"\" two\"\"\"", "quotes \"inside\" and \"\" two"),
        ("s = \"\"\"\"four\"\"\"\"", "\"four\""),
        ("s = \"\"\"\"\"five\"\"\"\"\"", "\"\"five\"\""),
        ("s = \"\"\"\"\"\"", ""),
        ("s = \"\"\"\"\"\"\"", "\""),
        ("s = '''\nraw \\n ''single'' and 'quoted'\n'''", "raw \\n ''single'' and 'quoted'\n"),
        ("s = ''''one'''''", "'one''"),
        ("s = \"\"\"crlf\r\nline\"\"\"", "crlf\nline"),
        ("s = '''crlf\r\nraw'''", "crlf\nraw"),
        ("s = \"tab\tinside\"", "tab\tinside"),
        ("s = \"\"", ""),
        ("s = ''", ""),
        ("s = \"é中😀\u{2028}\"", "é中😀\u{2028}"),
    ])
    func strings(text: String, expected: String) throws {
        #expect(try Self.string(text) == expected)
    }

    @Test(arguments: [
        ("s = \"open\nx = 1", 1),
        ("s = 'open\nx = 1", 1),
        ("\n\ns = \"\"\"never closed\n\n", 3),
        ("s = '''never closed", 1),
        ("s = \"bad \\x escape\"", 1),
        ("s = \"\\e is TOML 1.1\"", 1),
        ("s = \"\\u12\"", 1),
        ("s = \"\\uD800\"", 1),
        ("s = \"\\U00110000\"", 1),
        ("s = \"\"\"bad \\  x\"\"\"", 1),
        ("x = 1\ns = \"a\u{1}b\"", 2),
        ("s = 'a\u{7F}b'", 1),
        ("s = \"\"\"a\rb\"\"\"", 1),
        ("s = \"\"\"\"\"\"\"\"\"", 1),
        ("\"\"\"key\"\"\" = 1", 1),
    ])
    func badStrings(text: String, line: Int) {
        #expect(Self.refusal(text)?.line == line, "\(text.debugDescription): \(String(describing: Self.refusal(text)))")
    }

    // MARK: Numbers

    @Test(
        arguments: [
            ("n = 42", 42), ("n = +17", 17), ("n = -0", 0), ("n = 1_000_000", 1_000_000),
            ("n = 0xDEAD_beef", 0xDEAD_BEEF), ("n = 0o755", 0o755), ("n = 0b1101_0101", 0b1101_0101),
            ("n = 9223372036854775807", Int64.max), ("n = -9223372036854775808", Int64.min),
            ("n = 0x7FFFFFFFFFFFFFFF", Int64.max), ("n = 0x00", 0),
        ] as [(String, Int64)])
    func integers(text: String, expected: Int64) throws {
        #expect(Self.value(try TOMLParser.parse(text), "n")?.integer == expected)
    }

    @Test(
        arguments: [
            ("n = 3.14", 3.14), ("n = -0.01", -0.01), ("n = 5e+22", 5e22), ("n = 1E6", 1e6), ("n = -2E-2", -0.02),
            ("n = 6.626e-34", 6.626e-34), ("n = 224_617.445_991", 224_617.445_991), ("n = 1e0_1", 1e1),
            ("n = inf", .infinity), ("n = +inf", .infinity), ("n = -inf", -.infinity), ("n = 0e0", 0),
            ("n = 1e-05", 1e-5), ("n = 1e400", .infinity),
        ] as [(String, Double)])
    func floats(text: String, expected: Double) throws {
        guard case .float(let value) = Self.value(try TOMLParser.parse(text), "n")?.kind else {
            Issue.record("not a float: \(text)")
            return
        }
        #expect(value == expected)
    }

    @Test func nanAndNegativeZero() throws {
        let root = try TOMLParser.parse("a = nan\nb = -nan\nc = +nan\nd = -0.0\n")
        for key in ["a", "b", "c"] {
            guard case .float(let value) = root[key]?.kind else {
                Issue.record("\(key) is no float")
                return
            }
            #expect(value.isNaN)
        }
        guard case .float(let zero) = root["d"]?.kind else {
            Issue.record("d is no float")
            return
        }
        #expect(zero == 0 && zero.sign == .minus)
    }

    @Test(arguments: [
        "n = 01", "n = 1__0", "n = _1", "n = 1_", "n = 0x", "n = +0x1", "n = 0X1F", "n = 0xG", "n = 0o8", "n = 0b2",
        "n = 1.", "n = .5", "n = 1e", "n = e5", "n = 1.5.5", "n = 1._5", "n = 1.e5", "n = 03.14", "n = infinity",
        "n = Inf", "n = NaN", "n = 9223372036854775808", "n = -9223372036854775809", "n = 0x8000000000000000",
        "n = 1e_5", "n = 1 2", "n = True", "n = 30m", "n = 1h30m",
    ])
    func badNumbers(text: String) {
        #expect(Self.refusal(text)?.line == 1, "\(text)")
    }

    // MARK: Dates and times

    @Test(arguments: [
        ("d = 1979-05-27T07:32:00Z", "1979-05-27T07:32:00+00:00"),
        ("d = 1979-05-27t07:32:00z", "1979-05-27T07:32:00+00:00"),
        ("d = 1979-05-27 00:32:00.999999-07:00", "1979-05-27T00:32:00.999999000-07:00"),
        ("d = 1979-05-27T00:32:00.123456789123+05:30", "1979-05-27T00:32:00.123456789+05:30"),
        ("d = 1979-05-27T07:32:00", "1979-05-27T07:32:00"),
        ("d = 2024-02-29", "2024-02-29"),
        ("d = 07:32:00", "07:32:00"),
        ("d = 00:32:00.5", "00:32:00.500000000"),
        ("d = 2000-02-29T23:59:59-00:00", "2000-02-29T23:59:59+00:00"),
    ])
    func datesAndTimes(text: String, expected: String) throws {
        let value = Self.value(try TOMLParser.parse(text), "d")
        let shown: String? =
            switch value?.kind {
            case .dateTime(let dateTime): dateTime.description
            case .date(let date): date.description
            case .time(let time): time.description
            default: nil
            }
        #expect(shown == expected)
    }

    @Test(arguments: [
        "d = 1979-05-27 0", "d = 1979-5-27", "d = 07:32", "d = 1979-05-27T07:32:00+8", "d = 1979-05-27T",
        "d = 2023-02-29", "d = 1979-04-31", "d = 1979-13-01", "d = 1979-00-10", "d = 24:00:00", "d = 07:60:00",
        "d = 07:32:60", "d = 1979-05-27T07:32:00+24:00", "d = 1979-05-27T07:32:00.Z",
        "d = 1979-05-27truT07:32:00-08:00",
        "d = 1979-05-27T07:32", "d = 1979-05-27  07:32:00",
    ])
    func badDatesAndTimes(text: String) {
        #expect(Self.refusal(text)?.line == 1, "\(text)")
    }

    // MARK: Tables, keys, arrays

    @Test func keysOfEveryKind() throws {
        let root = try TOMLParser.parse(
            #"""
            bare_key-1 = 1
            "quoted \"key\"" = 2
            'literal.key' = 3
            "" = 4
            a . "b c" .'d' = 5
            1.2 = 6
            "é" = 7
            "e\u0301" = 8
            """#)
        #expect(root["bare_key-1"]?.integer == 1)
        #expect(root["quoted \"key\""]?.integer == 2)
        #expect(root["literal.key"]?.integer == 3)
        #expect(root[""]?.integer == 4)
        #expect(root["a"]?.table?["b c"]?.table?["d"]?.integer == 5)
        #expect(root["1"]?.table?["2"]?.integer == 6)
        // Two different keys to TOML, though Swift's String calls them equal.
        #expect(root.count == 8)
    }

    @Test func tablesArraysOfTablesAndInlineTables() throws {
        let root = try TOMLParser.parse(
            """
            [a.b.c]
            x = 1
            [a]          # an implicit table may be defined once
            y = 2
            [a.b]
            z = 3
            [[fruit]]
            name = "apple"
            [fruit.physical]
            color = "red"
            [[fruit.variety]]
            name = "red delicious"
            [[fruit.variety]]
            name = "granny smith"
            [[fruit]]
            name = "banana"
            [[fruit.variety]]
            name = "plantain"
            [inline]
            point = { x = 1, y = 2, nested.deep = { z = [1, { w = 3 }] } }
            empty = {}
            [dotted]
            fruit.apple.color = "red"
            fruit.apple.taste.sweet = true
            [dotted.fruit.apple.texture]   # a table under dotted keys, allowed
            smooth = true
            """)
        #expect(Self.value(root, "a.b.c.x")?.integer == 1)
        #expect(Self.value(root, "a.y")?.integer == 2)
        #expect(Self.value(root, "a.b.z")?.integer == 3)
        #expect(Self.value(root, "fruit.0.physical.color")?.string == "red")
        #expect(Self.value(root, "fruit.0.variety.1.name")?.string == "granny smith")
        #expect(Self.value(root, "fruit.1.variety.0.name")?.string == "plantain")
        #expect(Self.value(root, "fruit.1.physical") == nil)
        #expect(Self.value(root, "inline.point.nested.deep.z.1.w")?.integer == 3)
        #expect(Self.value(root, "inline.empty")?.table?.count == 0)
        #expect(Self.value(root, "dotted.fruit.apple.taste.sweet") != nil)
        #expect(Self.value(root, "dotted.fruit.apple.texture.smooth") != nil)
    }

    @Test func arraysAcrossLinesWithCommentsAndMixedTypes() throws {
        let root = try TOMLParser.parse(
            """
            a = [
              1,   # one
              "two", [3, 3.5],
              { four = 4 },
              # a comment line
            ]
            b = []
            c = [ [ ], [[]] ]
            """)
        #expect(root["a"]?.array?.count == 4)
        #expect(Self.value(root, "a.2.1") != nil)
        #expect(Self.value(root, "a.3.four")?.integer == 4)
        #expect(root["b"]?.array?.count == 0)
        #expect(Self.value(root, "c.1.0")?.array?.count == 0)
    }

    @Test func commentsEverywhereCRLFAndBOM() throws {
        let text =
            "\u{FEFF}# top\r\n  key = \"v\" # after\r\n\r\n[t] # header\r\n"
            + "\tx = [ # open\r\n 1 # one\r\n] # close\r\n#end"
        let root = try TOMLParser.parse(text)
        #expect(root["key"]?.string == "v")
        #expect(Self.value(root, "t.x.0")?.integer == 1)
        #expect(root.entry("t")?.keyPosition.line == 4)
        #expect(Self.value(root, "t.x.0")?.position.line == 6)
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2),
        ("[a]\n[a]", 2),
        ("[a]\nb = 1\n[a.b]", 3),
        ("a.b = 1\n[a]", 2),
        ("[a]\nb.c = 1\n[a.b]", 3),
        ("[a.b]\n[a]\nb = 1", 3),
        ("[x.y]\n[x]\ny.z = 1", 3),
        ("a = {}\n[a]", 2),
        ("a = {}\n[a.b]", 2),
        ("a = { b = 1 }\na.c = 2", 2),
        ("a = [1]\n[[a]]", 2),
        ("[[a]]\n[a]", 2),
        ("[a]\n[[a]]", 2),
        ("a = [{ b = 1 }]\n[a.c]", 2),
        ("a = 1\n[a.b]", 2),
        ("a = 1\na.b = 2", 2),
        ("p = { a = 1, a = 2 }", 1),
        ("p = { a.b = 1, a.b.c = 2 }", 1),
        ("p = { a = { b = 1 }, a.c = 2 }", 1),
        ("p = { a = 1, }", 1),
        ("p = { a = 1\n}", 1),
        ("p = {\na = 1 }", 1),
        ("[[a.b]]\n[a]\nb = 1", 3),
        ("[a]\nb = 1\n[a.b.c]", 3),
    ])
    func redefinitionsAndConflicts(text: String, line: Int) {
        let refusal = Self.refusal(text)
        #expect(refusal?.line == line, "\(text.debugDescription): \(String(describing: refusal))")
    }

    @Test(arguments: [
        ("[a", 1), ("[a]]", 1), ("[[a]", 1), ("[[a] ]", 1), ("[ [a]]", 1), ("[]", 1), ("[a.]", 1), ("[.a]", 1),
        ("[{x}]", 1), ("a = 1\n[\nb = 2", 2), ("x = [\n  1,\n  }\n]", 3), ("x = [1 2]", 1), ("x = [1,,2]", 1),
        ("x = [,]", 1), ("a = 1 b = 2", 1), ("a =", 1), ("a", 1), ("= 1", 1), ("a = 1\n\u{2028} = 2", 2),
        ("a = #\n", 1), ("a.b. = 1", 1), ("a = \"x\" # bad \u{1} comment", 1), ("a = 1\r", 1), ("a\t\u{3000}= 1", 1),
        ("a = [\n1,\n2\n", 4), ("a = {", 1), ("a = x\u{0}", 1), ("a = 1\n\u{FEFF}b = 2", 2),
    ])
    func malformed(text: String, line: Int) {
        let refusal = Self.refusal(text)
        #expect(refusal?.line == line, "\(text.debugDescription): \(String(describing: refusal))")
    }

    /// A file may be up to 1 MiB on one line; positions must not cost the length of the
    /// line each (a quadratic parse would take minutes here, not milliseconds).
    @Test func aLongLineParsesInLinearTime() throws {
        let count = 150_000
        let root = try TOMLParser.parse("a = [" + String(repeating: "1,", count: count) + "\"é\"]")
        #expect(root["a"]?.array?.count == count + 1)
        #expect(root["a"]?.array?[count].position == TOMLPosition(line: 1, column: 6 + 2 * count))
        let wide =
            "x = " + String(repeating: "{a=", count: 200) + "[" + String(repeating: "{},", count: 50_000) + "]"
            + String(repeating: "}", count: 200)
        _ = try TOMLParser.parse(wide)
    }

    /// `[[[[…` would recurse once per bracket; the parser stops at 256 levels instead.
    @Test func deepNestingStopsBeforeTheStackDoes() throws {
        let deep = "a = " + String(repeating: "[", count: 200_000) + "\n"
        #expect(Self.refusal(deep)?.message == "arrays and inline tables are nested more than 256 deep")
        let inline = "a = " + String(repeating: "{b=", count: 300) + "1" + String(repeating: "}", count: 300)
        #expect(Self.refusal(inline) != nil)
        let ok = "a = " + String(repeating: "[", count: 256) + String(repeating: "]", count: 256) + "\n"
        _ = try TOMLParser.parse(ok)
    }
}
