/// A time a service stamped on what it sent (ntfy's `time`, Matrix's `origin_server_ts`), in
/// seconds since 1970: kept in the state and history, so only one the state file can write
/// and read back is taken.
enum ServiceTime {
    /// After 1970 and before the year 10000 (timestamps are written with four-digit years).
    static func isPlausible(_ seconds: Double) -> Bool {
        seconds.isFinite && seconds > 0 && seconds < 253_402_300_800
    }
}
