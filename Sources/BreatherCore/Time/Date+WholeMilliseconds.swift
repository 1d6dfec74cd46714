import Foundation

extension Date {
    /// The same instant, cut to whole milliseconds: what state files and bodies can hold.
    /// Rounding deadlines when they are made keeps them identical across a restart.
    public var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: ((timeIntervalSince1970 * 1_000_000).rounded() / 1000).rounded(.down) / 1000)
    }
}
