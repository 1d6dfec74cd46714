import Foundation

/// The seam through which Breather reads the time, so tests move it by hand.
///
/// Deadlines are wall-clock instants (`Date`, CLOCK_REALTIME): a suspend or a restart does
/// not shift them. Nothing in Breather ever sets the machine's clock.
public protocol Clock: Sendable {
    func now() -> Date
}

/// The machine's wall clock.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until a test moves it.
public final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        self.current = start
    }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(by seconds: Double) {
        lock.lock()
        current = current.addingTimeInterval(seconds)
        lock.unlock()
    }

    public func set(_ date: Date) {
        lock.lock()
        current = date
        lock.unlock()
    }
}

extension Date {
    /// The same instant, cut to whole milliseconds: what state files and bodies can hold.
    /// Rounding deadlines when they are made keeps them identical across a restart.
    public var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: ((timeIntervalSince1970 * 1_000_000).rounded() / 1000).rounded(.down) / 1000)
    }
}
