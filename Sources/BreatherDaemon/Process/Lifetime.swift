import Synchronization

/// Holds objects for the life of the process (a Dispatch source nothing holds is cancelled).
enum Lifetime {
    /// Only ever appended to, and never read: what is kept is never touched again.
    private struct Kept: @unchecked Sendable {
        var objects: [AnyObject] = []
    }

    private static let kept = Mutex(Kept())

    static func keep(_ objects: AnyObject...) {
        let more = Kept(objects: objects)
        kept.withLock { $0.objects += more.objects }
    }
}
