/// A strict, forward-only reader of one JSON text, for decoders written by hand where
/// Codable's first use costs too much (it looks protocol conformances up across the whole
/// binary, a large part of a short-lived `breather status`).
///
/// It reads only what such a decoder needs — objects, arrays, strings, whole numbers,
/// booleans and null — and throws `Unreadable` at anything it does not read exactly as
/// `JSONDecoder` would: a fraction or an exponent, invalid UTF-8, a lone surrogate, a key
/// given twice. The caller then hands the text to `JSONDecoder`, which settles it.
struct JSONCursor {
    /// The text is not one this reader is sure to read as `JSONDecoder` does.
    struct Unreadable: Error {}

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: values

    /// Reads `null` if it comes next; false (reading nothing) for any other value.
    mutating func skipNull() throws(Unreadable) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    mutating func bool() throws(Unreadable) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw Unreadable() }
        if bytes[index] == UInt8(ascii: "t") {
            try literal("true")
            return true
        }
        try literal("false")
        return false
    }

    /// A whole number as JSON writes it: `-?(0|[1-9][0-9]*)`, within `Int`.
    mutating func int() throws(Unreadable) -> Int {
        skipWhitespace()
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            let times10 = value.multipliedReportingOverflow(by: 10)
            let next = times10.partialValue.subtractingReportingOverflow(digit)  // kept negative: Int.min fits
            guard !times10.overflow, !next.overflow else { throw Unreadable() }
            value = next.partialValue
            index += 1
        }
        let count = index - start
        guard count > 0, count == 1 || bytes[start] != UInt8(ascii: "0") else { throw Unreadable() }
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
            throw Unreadable()
        }
        if negative { return value }
        guard value != Int.min else { throw Unreadable() }
        return -value
    }

    mutating func string() throws(Unreadable) -> String {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        var text: [UInt8] = []
        while true {
            guard index < bytes.count else { throw Unreadable() }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: text, as: UTF8.self) else { throw Unreadable() }
                return string
            case UInt8(ascii: "\\"):
                try escape(into: &text)
            case 0..<0x20:
                throw Unreadable()  // control characters must be escaped
            default:
                text.append(byte)
            }
        }
    }

    /// Reads an object, calling `field` with each key; `field` reads the value. A key given
    /// twice throws: JSON readers disagree on which one counts.
    mutating func object(_ field: (inout JSONCursor, String) throws(Unreadable) -> Void) throws(Unreadable) {
        skipWhitespace()
        try expect(UInt8(ascii: "{"))
        var seen: [String] = []
        if try next(UInt8(ascii: "}")) { return }
        repeat {
            let key = try string()
            guard !seen.contains(key) else { throw Unreadable() }
            seen.append(key)
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            try field(&self, key)
        } while try next(UInt8(ascii: ","))
        skipWhitespace()
        try expect(UInt8(ascii: "}"))
    }

    /// Reads an array, calling `element` to read each value.
    mutating func array(_ element: (inout JSONCursor) throws(Unreadable) -> Void) throws(Unreadable) {
        skipWhitespace()
        try expect(UInt8(ascii: "["))
        if try next(UInt8(ascii: "]")) { return }
        repeat {
            try element(&self)
        } while try next(UInt8(ascii: ","))
        skipWhitespace()
        try expect(UInt8(ascii: "]"))
    }

    mutating func strings() throws(Unreadable) -> [String] {
        var strings: [String] = []
        try array { (cursor: inout JSONCursor) throws(Unreadable) in strings.append(try cursor.string()) }
        return strings
    }

    /// Nothing but whitespace is left.
    mutating func end() throws(Unreadable) {
        skipWhitespace()
        guard index == bytes.count else { throw Unreadable() }
    }

    // MARK: pieces

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Unreadable) {
        guard index < bytes.count, bytes[index] == byte else { throw Unreadable() }
        index += 1
    }

    /// After whitespace: reads `byte` and says true if it comes next, else reads nothing.
    private mutating func next(_ byte: UInt8) throws(Unreadable) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func literal(_ word: StaticString) throws(Unreadable) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw Unreadable() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw Unreadable()
        }
        index += count
    }

    /// After a backslash: the escaped character, as UTF-8.
    private mutating func escape(into text: inout [UInt8]) throws(Unreadable) {
        guard index < bytes.count else { throw Unreadable() }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var value = try hex4()
            if (0xD800..<0xDC00).contains(value) {
                // A high surrogate counts only with the low one right after it.
                try expect(UInt8(ascii: "\\"))
                try expect(UInt8(ascii: "u"))
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw Unreadable() }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(value) {
                throw Unreadable()
            }
            guard let scalar = Unicode.Scalar(value) else { throw Unreadable() }
            text.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw Unreadable()
        }
    }

    private mutating func hex4() throws(Unreadable) -> UInt32 {
        guard bytes.count - index >= 4 else { throw Unreadable() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Unreadable()
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
