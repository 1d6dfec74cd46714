/// Values written without quotes or brackets: booleans, integers, floats, dates and times.
///
/// The value is cut out first (up to a blank, `,`, `]`, `}` or `#`) and then matched as a
/// whole against TOML 1.0's grammar, so `30m` or an unquoted URL is refused as one thing,
/// with one message that does not repeat it (an unquoted URL may hold a key).
extension TOMLParser {
    static let unquotedValueMessage =
        "the value is not a quoted string, a number, a boolean, a date or a time; "
        + "put text in double quotes, like \"30m\""

    mutating func parseBareValue() throws(TOMLSyntaxError) -> TOMLValue.Kind {
        let start = index
        var end = bareValueEnd(from: start)
        // A date, a space and a digit are one date-time: `1979-05-27 07:32:00`.
        if end - start == 10, Self.isDateShape(bytes[start..<end]), end + 1 < bytes.count,
            bytes[end] == ascii(" "), Self.isDigit(bytes[end + 1])
        {
            end = bareValueEnd(from: end + 1)
        }
        // Something that reads like a word or a number is text that wants quotes; anything
        // else (`}`, `=`, a non-ASCII character) is no start of a value at all.
        guard end > start, Self.mayStartBareWord(bytes[start]) else {
            throw error("error while parsing value: expected a value, saw \(describeHere())")
        }
        guard let kind = try bareValue(bytes[start..<end]) else { throw error(Self.unquotedValueMessage) }
        advance(end - start)
        return kind
    }

    static func mayStartBareWord(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
    }

    func bareValueEnd(from start: Int) -> Int {
        var end = start
        while end < bytes.count {
            switch bytes[end] {
            case ascii(" "), ascii("\t"), ascii("\n"), ascii("\r"), ascii(","), ascii("]"), ascii("}"), ascii("#"):
                return end
            default:
                end += 1
            }
        }
        return end
    }

    /// The value `token` is, nil when it is none; throws for one of the right shape that
    /// cannot be (`2023-02-29`, an integer past 64 bits).
    func bareValue(_ token: ArraySlice<UInt8>) throws(TOMLSyntaxError) -> TOMLValue.Kind? {
        if token.elementsEqual("true".utf8) { return .boolean(true) }
        if token.elementsEqual("false".utf8) { return .boolean(false) }
        if let time = Self.localTime(token) { return .time(time) }
        if token.count >= 10, Self.isDateShape(token.prefix(10)) { return try dateOrDateTime(token) }
        if let integer = try integer(token) { return .integer(integer) }
        if let float = Self.float(token) { return .float(float) }
        return nil
    }

    // MARK: Integers

    /// `42`, `-17`, `1_000`, `0xDEAD_beef`, `0o755`, `0b1101`; nil when it is not one.
    func integer(_ token: ArraySlice<UInt8>) throws(TOMLSyntaxError) -> Int64? {
        let b = Array(token)
        if b.count > 2, b[0] == ascii("0") {
            let radix: UInt64? =
                switch b[1] {
                case ascii("x"): 16
                case ascii("o"): 8
                case ascii("b"): 2
                default: nil
                }
            if let radix {
                guard Self.isDigitRun(b[2...], radix: radix) else { return nil }
                guard let magnitude = Self.magnitude(b[2...], radix: radix), magnitude <= UInt64(Int64.max) else {
                    throw error(Self.integerRangeMessage)
                }
                return Int64(magnitude)
            }
        }
        var body = b[...]
        let negative = body.first == ascii("-")
        if body.first == ascii("-") || body.first == ascii("+") { body = body.dropFirst() }
        guard Self.isDecimalInteger(body) else { return nil }
        guard let magnitude = Self.magnitude(body, radix: 10) else { throw error(Self.integerRangeMessage) }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw error(Self.integerRangeMessage) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw error(Self.integerRangeMessage) }
        return Int64(magnitude)
    }

    static let integerRangeMessage =
        "the integer does not fit in 64 bits; TOML integers run from "
        + "-9223372036854775808 to 9223372036854775807"

    /// `0`, or a digit run that does not start with 0.
    static func isDecimalInteger(_ b: ArraySlice<UInt8>) -> Bool {
        guard let first = b.first else { return false }
        if first == UInt8(ascii: "0") { return b.count == 1 }
        return isDigitRun(b, radix: 10)
    }

    /// `digit ([_]? digit)*`: at least one digit, each underscore between two digits.
    static func isDigitRun(_ b: ArraySlice<UInt8>, radix: UInt64) -> Bool {
        guard let first = b.first, digitValue(first, radix: radix) != nil,
            let last = b.last, digitValue(last, radix: radix) != nil
        else { return false }
        var previousWasUnderscore = false
        for byte in b {
            if byte == UInt8(ascii: "_") {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
            } else if digitValue(byte, radix: radix) != nil {
                previousWasUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    static func digitValue(_ byte: UInt8, radix: UInt64) -> UInt64? {
        guard let value = hexValue(byte).map(UInt64.init), value < radix else { return nil }
        return value
    }

    /// The value of a checked digit run; nil past `UInt64.max`.
    static func magnitude(_ b: ArraySlice<UInt8>, radix: UInt64) -> UInt64? {
        var total: UInt64 = 0
        for byte in b where byte != UInt8(ascii: "_") {
            let (shifted, overflow) = total.multipliedReportingOverflow(by: radix)
            let (sum, carry) = shifted.addingReportingOverflow(digitValue(byte, radix: radix) ?? 0)
            if overflow || carry { return nil }
            total = sum
        }
        return total
    }

    // MARK: Floats

    /// `3.14`, `-2E-2`, `6.626e-34`, `1_000.5`, `inf`, `-nan`; nil when it is not one.
    static func float(_ token: ArraySlice<UInt8>) -> Double? {
        var body = token
        let negative = body.first == UInt8(ascii: "-")
        if body.first == UInt8(ascii: "-") || body.first == UInt8(ascii: "+") { body = body.dropFirst() }
        if body.elementsEqual("inf".utf8) { return negative ? -.infinity : .infinity }
        if body.elementsEqual("nan".utf8) { return negative ? -.nan : .nan }
        let exponentStart = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = body[..<(exponentStart ?? body.endIndex)]
        if let exponentStart {
            var exponent = body[(exponentStart + 1)...]
            if exponent.first == UInt8(ascii: "+") || exponent.first == UInt8(ascii: "-") {
                exponent = exponent.dropFirst()
            }
            guard isDigitRun(exponent, radix: 10) else { return nil }
        }
        if let dot = mantissa.firstIndex(of: UInt8(ascii: ".")) {
            guard isDecimalInteger(mantissa[..<dot]), isDigitRun(mantissa[(dot + 1)...], radix: 10) else { return nil }
        } else {
            guard exponentStart != nil, isDecimalInteger(mantissa) else { return nil }
        }
        let digits = String(decoding: body.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let magnitude = Double(digits) else { return nil }
        return negative ? -magnitude : magnitude
    }

    // MARK: Dates and times

    /// `YYYY-MM-DD` by its shape alone.
    static func isDateShape(_ b: ArraySlice<UInt8>) -> Bool {
        let b = Array(b)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { isDigit(b[$0]) }
    }

    /// A local date, or a local or offset date-time (`T`, `t` or a space between date and
    /// time); nil when it is neither; throws for a day that does not exist.
    func dateOrDateTime(_ token: ArraySlice<UInt8>) throws(TOMLSyntaxError) -> TOMLValue.Kind? {
        let b = Array(token)
        let date = TOMLLocalDate(year: Self.number(b[0..<4]), month: Self.number(b[5..<7]), day: Self.number(b[8..<10]))
        guard (1...12).contains(date.month), (1...31).contains(date.day) else { return nil }
        var kind: TOMLValue.Kind
        if b.count == 10 {
            kind = .date(date)
        } else {
            guard [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(b[10]) else { return nil }
            var rest = b[11...]
            var offset: Int?
            if let last = rest.last, last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") {
                offset = 0
                rest = rest.dropLast()
            } else if rest.count > 6 {
                let tail = Array(rest.suffix(6))
                if tail[0] == UInt8(ascii: "+") || tail[0] == UInt8(ascii: "-"),
                    let (hours, minutes) = Self.hoursAndMinutes(tail[1...])
                {
                    offset = (hours * 60 + minutes) * (tail[0] == UInt8(ascii: "-") ? -1 : 1)
                    rest = rest.dropLast(6)
                }
            }
            guard let time = Self.localTime(rest) else { return nil }
            kind = .dateTime(TOMLDateTime(date: date, time: time, offsetMinutes: offset))
        }
        guard date.isValid else { throw error("the date \(date) does not exist") }
        return kind
    }

    /// `HH:MM:SS` with an optional `.fraction`; nil when it is not one.
    static func localTime(_ token: ArraySlice<UInt8>) -> TOMLLocalTime? {
        let b = Array(token)
        guard b.count >= 8, let (hour, minute) = hoursAndMinutes(b[0..<5]), b[5] == UInt8(ascii: ":"),
            isDigit(b[6]), isDigit(b[7])
        else { return nil }
        let second = number(b[6..<8])
        guard second <= 59 else { return nil }
        var nanosecond = 0
        if b.count > 8 {
            let fraction = b[9...]
            guard b[8] == UInt8(ascii: "."), !fraction.isEmpty, fraction.allSatisfy(isDigit) else { return nil }
            let kept = Array(fraction.prefix(9))
            nanosecond =
                number(kept[...])
                * [1, 10, 100, 1000, 10000, 100_000, 1_000_000, 10_000_000, 100_000_000][9 - kept.count]
        }
        return TOMLLocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond)
    }

    /// `HH:MM` with the hour 00–23 and the minute 00–59.
    static func hoursAndMinutes(_ token: ArraySlice<UInt8>) -> (Int, Int)? {
        let b = Array(token)
        guard b.count == 5, isDigit(b[0]), isDigit(b[1]), b[2] == UInt8(ascii: ":"), isDigit(b[3]), isDigit(b[4]) else {
            return nil
        }
        let hours = number(b[0..<2])
        let minutes = number(b[3..<5])
        return hours <= 23 && minutes <= 59 ? (hours, minutes) : nil
    }

    /// The value of a run of checked decimal digits.
    static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
