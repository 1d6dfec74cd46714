import Testing

@testable import BreatherCore

/// The line a diagnostic gets for a key path: its key's, its element's, or its table's.
@Suite struct ConfigLineTests {
    let text = #"""
        # a comment with [brackets] and key = "value"
        name = "x"  # trailing
        "quoted key" = 1
        'literal.key' = 2
        a.b."c d" = 3
        long = """
        [not-a-table]
        fake = 1 \"""
        """
        raw = '''
        [[also-not]]'''
        list = [
          "one", # comment ]
          [2, 3],
          { inner = "four" },
        ]

        [announce]
        message = "hi"

        [[reminder]]
        offset = "-5m"

        [[reminder]]
        offset = "0s"
        sub.key = true

        [reminder.extra]
        deep = 1

        [channels.alex]
        url = "https://example.org"

        [channels]
        desktop = { type = "desktop", x = [1,
          2] }
        """#

    /// The reader for `text`, which must parse.
    static func reader(_ text: String) throws -> TOMLDocumentReader {
        let root = try TOMLParser.parse(text)
        return TOMLDocumentReader(file: "f.toml", root: root)
    }

    /// The line of exactly this path; nil when the document does not hold it.
    static func exactLine(_ reader: TOMLDocumentReader, _ path: TOMLKeyPath) -> Int? {
        var value = TOMLValue(kind: .table(reader.root), position: TOMLPosition(line: 1, column: 1))
        for component in path {
            switch component {
            case .key(let key):
                guard let next = value.table?[key] else { return nil }
                value = next
            case .index(let index):
                guard let array = value.array, array.elements.indices.contains(index) else { return nil }
                value = array[index]
            }
        }
        return reader.line(of: path)
    }

    @Test func findsKeysHeadersAndElements() throws {
        let reader = try Self.reader(text)
        func exactLine(of path: TOMLKeyPath) -> Int? { Self.exactLine(reader, path) }
        #expect(exactLine(of: ["name"]) == 2)
        #expect(exactLine(of: ["quoted key"]) == 3)
        #expect(exactLine(of: ["literal.key"]) == 4)
        #expect(exactLine(of: ["a"]) == 5)
        #expect(exactLine(of: ["a", "b", "c d"]) == 5)
        #expect(exactLine(of: ["long"]) == 6)
        #expect(exactLine(of: ["not-a-table"]) == nil)
        #expect(exactLine(of: ["fake"]) == nil)
        #expect(exactLine(of: ["raw"]) == 10)
        #expect(exactLine(of: ["also-not"]) == nil)
        #expect(exactLine(of: ["list"]) == 12)
        #expect(exactLine(of: ["list", 0]) == 13)
        #expect(exactLine(of: ["list", 1]) == 14)
        #expect(exactLine(of: ["list", 1, 1]) == 14)
        #expect(exactLine(of: ["list", 2, "inner"]) == 15)
        #expect(exactLine(of: ["list", 3]) == nil)
        #expect(exactLine(of: ["announce"]) == 18)
        #expect(exactLine(of: ["announce", "message"]) == 19)
        #expect(exactLine(of: ["reminder"]) == 21)
        #expect(exactLine(of: ["reminder", 0]) == 21)
        #expect(exactLine(of: ["reminder", 0, "offset"]) == 22)
        #expect(exactLine(of: ["reminder", 1]) == 24)
        #expect(exactLine(of: ["reminder", 1, "offset"]) == 25)
        #expect(exactLine(of: ["reminder", 1, "sub", "key"]) == 26)
        #expect(exactLine(of: ["reminder", 1, "extra"]) == 28)
        #expect(exactLine(of: ["reminder", 1, "extra", "deep"]) == 29)
        #expect(exactLine(of: ["channels", "alex"]) == 31)
        #expect(exactLine(of: ["channels", "alex", "url"]) == 32)
        #expect(exactLine(of: ["channels"]) == 34)
        #expect(exactLine(of: ["channels", "desktop", "type"]) == 35)
        #expect(exactLine(of: ["channels", "desktop", "x", 1]) == 36)
    }

    @Test func fallsBackToTheTableThenLineOne() throws {
        let index = try Self.reader(text)
        #expect(index.line(of: ["announce", "to"]) == 18)
        #expect(index.line(of: ["reminder", 1, "to"]) == 24)
        #expect(index.line(of: ["reminder", 7, "to"]) == 21)
        #expect(index.line(of: ["nowhere", "at", "all"]) == 1)
    }

    @Test func nestedArraysOfTablesRestartPerParent() throws {
        let reader = try Self.reader(
            """
            [[a]]
            [[a.b]]
            x = 1
            [[a.b]]
            x = 2
            [[a]]
            [[a.b]]
            x = 3
            """)
        #expect(Self.exactLine(reader, ["a", 0, "b", 1, "x"]) == 5)
        #expect(Self.exactLine(reader, ["a", 1, "b", 0, "x"]) == 8)
    }

    @Test func aByteOrderMarkAndEscapedKeysKeepTheirLines() throws {
        #expect(Self.exactLine(try Self.reader("\u{FEFF}x = 1"), ["x"]) == 1)
        #expect(Self.exactLine(try Self.reader("\n\"a\\\"b\\u00e9\" = 1"), ["a\"bé"]) == 2)
    }

    /// Keys and values carry columns too, counted in Unicode scalars.
    @Test func positionsHaveColumns() throws {
        let root = try TOMLParser.parse("\"é\" = 1\n[t]\n  k.\"l\" = [\n    true ]\n")
        #expect(root.entry("é")?.keyPosition == TOMLPosition(line: 1, column: 1))
        #expect(root["é"]?.position == TOMLPosition(line: 1, column: 7))
        let table = try #require(root["t"]?.table)
        #expect(root.entry("t")?.keyPosition == TOMLPosition(line: 2, column: 2))
        #expect(table.entry("k")?.keyPosition == TOMLPosition(line: 3, column: 3))
        let k = try #require(table["k"]?.table)
        #expect(k.entry("l")?.keyPosition == TOMLPosition(line: 3, column: 5))
        #expect(k["l"]?.position == TOMLPosition(line: 3, column: 11))
        #expect(k["l"]?.array?[0].position == TOMLPosition(line: 4, column: 5))
    }
}
