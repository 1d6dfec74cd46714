/// A TOML local date, `1979-05-27`: a day with no time and no offset.
struct TOMLLocalDate: Hashable, Sendable, CustomStringConvertible {
    var year: Int
    var month: Int
    var day: Int

    /// Whether the day exists in its month (`2023-02-29` does not), as TOML requires.
    var isValid: Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let lengths = [31, isLeapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    var isLeapYear: Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    var description: String {
        TOMLLocalDate.padded(year, 4) + "-" + TOMLLocalDate.padded(month, 2) + "-" + TOMLLocalDate.padded(day, 2)
    }

    static func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
