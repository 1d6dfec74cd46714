/// TOML 1.0's grammar for bare values: booleans, integers, floats, dates and times.
///
/// toml++ 3.4 guesses a bare value's type from the characters it contains and then
/// asserts that the rest fits (`1979-05-27truT07:32:00` traps it). Checking a bare value
/// against the grammar first means toml++ only ever sees well-formed ones. Numeric ranges
/// (month 13, integer overflow) are left to toml++, which reports them properly.
enum TOMLScalarGrammar {
    static func isValid<C: Collection>(_ token: C) -> Bool where C.Element == UInt8 {
        let bytes = Array(token)
        return isBoolean(bytes) || isInteger(bytes) || isFloat(bytes) || isDateOrTime(bytes)
    }

    static func isBoolean(_ b: [UInt8]) -> Bool {
        b == Array("true".utf8) || b == Array("false".utf8)
    }

    // MARK: Numbers

    static func isInteger(_ b: [UInt8]) -> Bool {
        if b.count > 2, b[0] == ascii("0") {
            switch b[1] {
            case ascii("x"): return isDigitRun(b[2...], isHex)
            case ascii("o"): return isDigitRun(b[2...]) { (ascii("0")...ascii("7")).contains($0) }
            case ascii("b"): return isDigitRun(b[2...]) { $0 == ascii("0") || $0 == ascii("1") }
            default: break
            }
        }
        return isDecimalInteger(b[...])
    }

    /// `[+-]? (0 | [1-9] ([_]? digit)*)`
    static func isDecimalInteger(_ b: ArraySlice<UInt8>) -> Bool {
        var body = b
        if let first = body.first, first == ascii("+") || first == ascii("-") { body = body.dropFirst() }
        guard let first = body.first else { return false }
        if first == ascii("0") { return body.count == 1 }
        return isDigitRun(body, isDigit)
    }

    static func isFloat(_ b: [UInt8]) -> Bool {
        var body = b[...]
        if let first = body.first, first == ascii("+") || first == ascii("-") { body = body.dropFirst() }
        if body.elementsEqual("inf".utf8) || body.elementsEqual("nan".utf8) { return true }
        let exponent = b.firstIndex { $0 == ascii("e") || $0 == ascii("E") }
        let mantissa = b[..<(exponent ?? b.endIndex)]
        if let exponent {
            var exp = b[(exponent + 1)...]
            if let first = exp.first, first == ascii("+") || first == ascii("-") { exp = exp.dropFirst() }
            guard isDigitRun(exp, isDigit) else { return false }
        }
        if let dot = mantissa.firstIndex(of: ascii(".")) {
            return isDecimalInteger(mantissa[..<dot]) && isDigitRun(mantissa[(dot + 1)...], isDigit)
        }
        return exponent != nil && isDecimalInteger(mantissa)
    }

    /// `digit ([_]? digit)*`: at least one digit, each underscore between two digits.
    static func isDigitRun(_ b: ArraySlice<UInt8>, _ isDigit: (UInt8) -> Bool) -> Bool {
        guard let first = b.first, isDigit(first), let last = b.last, isDigit(last) else { return false }
        var previousWasUnderscore = false
        for byte in b {
            if byte == ascii("_") {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
            } else if isDigit(byte) {
                previousWasUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    // MARK: Dates and times

    /// A local date, a local time, or a local or offset date-time (`T`, `t` or a space
    /// between date and time).
    static func isDateOrTime(_ b: [UInt8]) -> Bool {
        if isTime(b[...]) { return true }
        guard b.count >= 10, isFullDate(b[..<10]) else { return false }
        if b.count == 10 { return true }
        let separator = b[10]
        guard separator == ascii("T") || separator == ascii("t") || separator == ascii(" ") else { return false }
        var rest = b[11...]
        if let last = rest.last, last == ascii("Z") || last == ascii("z") {
            rest = rest.dropLast()
        } else if rest.count > 6 {
            let offset = rest.suffix(6)
            if offset.first == ascii("+") || offset.first == ascii("-"), isHoursMinutes(offset.dropFirst()) {
                rest = rest.dropLast(6)
            }
        }
        return isTime(rest)
    }

    /// `YYYY-MM-DD`
    static func isFullDate(_ b: ArraySlice<UInt8>) -> Bool {
        let b = Array(b)
        guard b.count == 10, b[4] == ascii("-"), b[7] == ascii("-") else { return false }
        return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { isDigit(b[$0]) }
    }

    /// `HH:MM:SS` with an optional `.fraction`.
    static func isTime(_ b: ArraySlice<UInt8>) -> Bool {
        let b = Array(b)
        guard b.count >= 8, isHoursMinutes(b[..<5]), b[5] == ascii(":"), isDigit(b[6]), isDigit(b[7]) else { return false }
        if b.count == 8 { return true }
        return b[8] == ascii(".") && b.count > 9 && b[9...].allSatisfy(isDigit)
    }

    /// `HH:MM`
    static func isHoursMinutes(_ b: ArraySlice<UInt8>) -> Bool {
        let b = Array(b)
        return b.count == 5 && isDigit(b[0]) && isDigit(b[1]) && b[2] == ascii(":") && isDigit(b[3]) && isDigit(b[4])
    }

    // MARK: Bytes

    static func isDigit(_ byte: UInt8) -> Bool {
        (ascii("0")...ascii("9")).contains(byte)
    }

    static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (ascii("a")...ascii("f")).contains(byte) || (ascii("A")...ascii("F")).contains(byte)
    }

    static func ascii(_ character: Unicode.Scalar) -> UInt8 {
        UInt8(ascii: character)
    }
}
