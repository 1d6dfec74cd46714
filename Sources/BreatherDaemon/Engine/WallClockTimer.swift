import Dispatch
import Foundation

/// One Dispatch timer on a wall-clock deadline (CLOCK_REALTIME): a suspend or a clock
/// change does not shift it, unlike `DispatchTime`, which stops while the machine sleeps.
final class WallClockTimer: @unchecked Sendable {
    private let source: DispatchSourceTimer

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        source.setEventHandler(handler: handler)
        source.schedule(wallDeadline: .distantFuture)
        source.resume()
    }

    /// Fires once at `date`, or never when nil. A date in the past fires at once.
    func arm(at date: Date?) {
        guard let date else {
            source.schedule(wallDeadline: .distantFuture)
            return
        }
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let spec = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        source.schedule(wallDeadline: DispatchWallTime(timespec: spec), leeway: .nanoseconds(0))
    }

    deinit {
        source.cancel()
    }
}
