/// A TOML date-time: an offset date-time (`1979-05-27T07:32:00Z`) when `offsetMinutes` is
/// set, a local date-time (`1979-05-27T07:32:00`) when it is nil.
struct TOMLDateTime: Hashable, Sendable, CustomStringConvertible {
    var date: TOMLLocalDate
    var time: TOMLLocalTime
    /// Minutes east of UTC: `Z` and `+00:00` are 0, `-07:00` is -420.
    var offsetMinutes: Int?

    var description: String {
        var text = "\(date)T\(time)"
        if let offsetMinutes {
            let size = abs(offsetMinutes)
            text +=
                (offsetMinutes < 0 ? "-" : "+") + TOMLLocalDate.padded(size / 60, 2) + ":"
                + TOMLLocalDate.padded(size % 60, 2)
        }
        return text
    }
}
