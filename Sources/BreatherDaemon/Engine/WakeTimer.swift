import Foundation

/// The engine's one timer: fires its handler once at the instant last armed. The daemon
/// uses `WallClockTimer`; the engine's tests use one they fire by hand.
protocol WakeTimer: AnyObject {
    func arm(at date: Date?)
}

extension WallClockTimer: WakeTimer {}
