/// A TOML local time, `07:32:00.999`: a time of day with no date and no offset.
struct TOMLLocalTime: Hashable, Sendable, CustomStringConvertible {
    var hour: Int
    var minute: Int
    var second: Int
    /// The fraction of the second; digits past the ninth are dropped (TOML lets a parser
    /// truncate what it cannot hold).
    var nanosecond: Int

    var description: String {
        var text =
            TOMLLocalDate.padded(hour, 2) + ":" + TOMLLocalDate.padded(minute, 2) + ":"
            + TOMLLocalDate.padded(second, 2)
        if nanosecond > 0 { text += "." + TOMLLocalDate.padded(nanosecond, 9) }
        return text
    }
}
