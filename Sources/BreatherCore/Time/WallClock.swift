import Foundation

/// The seam through which Breather reads the time, so tests move it by hand.
///
/// Deadlines are wall-clock instants (`Date`, CLOCK_REALTIME): a suspend or a restart does
/// not shift them. Nothing in Breather ever sets the machine's clock.
public protocol WallClock: Sendable {
    func now() -> Date
}
