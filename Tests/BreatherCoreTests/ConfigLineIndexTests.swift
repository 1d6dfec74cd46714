import Testing
@testable import BreatherCore

@Suite struct ConfigLineIndexTests {
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

    @Test func findsKeysHeadersAndElements() {
        let index = TOMLLineIndex(text: text)
        #expect(index.exactLine(of: ["name"]) == 2)
        #expect(index.exactLine(of: ["quoted key"]) == 3)
        #expect(index.exactLine(of: ["literal.key"]) == 4)
        #expect(index.exactLine(of: ["a"]) == 5)
        #expect(index.exactLine(of: ["a", "b", "c d"]) == 5)
        #expect(index.exactLine(of: ["long"]) == 6)
        #expect(index.exactLine(of: ["not-a-table"]) == nil)
        #expect(index.exactLine(of: ["fake"]) == nil)
        #expect(index.exactLine(of: ["raw"]) == 10)
        #expect(index.exactLine(of: ["also-not"]) == nil)
        #expect(index.exactLine(of: ["list"]) == 12)
        #expect(index.exactLine(of: ["list", 0]) == 13)
        #expect(index.exactLine(of: ["list", 1]) == 14)
        #expect(index.exactLine(of: ["list", 1, 1]) == 14)
        #expect(index.exactLine(of: ["list", 2, "inner"]) == 15)
        #expect(index.exactLine(of: ["list", 3]) == nil)
        #expect(index.exactLine(of: ["announce"]) == 18)
        #expect(index.exactLine(of: ["announce", "message"]) == 19)
        #expect(index.exactLine(of: ["reminder"]) == 21)
        #expect(index.exactLine(of: ["reminder", 0]) == 21)
        #expect(index.exactLine(of: ["reminder", 0, "offset"]) == 22)
        #expect(index.exactLine(of: ["reminder", 1]) == 24)
        #expect(index.exactLine(of: ["reminder", 1, "offset"]) == 25)
        #expect(index.exactLine(of: ["reminder", 1, "sub", "key"]) == 26)
        #expect(index.exactLine(of: ["reminder", 1, "extra"]) == 28)
        #expect(index.exactLine(of: ["reminder", 1, "extra", "deep"]) == 29)
        #expect(index.exactLine(of: ["channels", "alex"]) == 31)
        #expect(index.exactLine(of: ["channels", "alex", "url"]) == 32)
        #expect(index.exactLine(of: ["channels"]) == 34)
        #expect(index.exactLine(of: ["channels", "desktop", "type"]) == 35)
        #expect(index.exactLine(of: ["channels", "desktop", "x", 1]) == 36)
    }

    @Test func fallsBackToTheTableThenLineOne() {
        let index = TOMLLineIndex(text: text)
        #expect(index.line(of: ["announce", "to"]) == 18)
        #expect(index.line(of: ["reminder", 1, "to"]) == 24)
        #expect(index.line(of: ["reminder", 7, "to"]) == 21)
        #expect(index.line(of: ["nowhere", "at", "all"]) == 1)
    }

    @Test func nestedArraysOfTablesRestartPerParent() {
        let index = TOMLLineIndex(text: """
        [[a]]
        [[a.b]]
        x = 1
        [[a.b]]
        x = 2
        [[a]]
        [[a.b]]
        x = 3
        """)
        #expect(index.exactLine(of: ["a", 0, "b", 1, "x"]) == 5)
        #expect(index.exactLine(of: ["a", 1, "b", 0, "x"]) == 8)
    }

    @Test func survivesGarbage() {
        for text in ["[", "[[", "\"", "'''", "a = [", "a = {", "= = =", "\u{FEFF}x = 1", "a.\"b", "[a.\n", "\\"] {
            _ = TOMLLineIndex(text: text).line(of: ["a"])
        }
        #expect(TOMLLineIndex(text: "\u{FEFF}x = 1").exactLine(of: ["x"]) == 1)
        #expect(TOMLLineIndex(text: "\"a\\\"b\\u00e9\" = 1").exactLine(of: ["a\"bé"]) == 1)
    }
}
