import BreatherSystemd
import Dispatch

/// Sends `STATUS=` to the service manager when the status text changes, from a queue of its
/// own: a manager slow to read its notify socket must never hold up the queue that keeps time.
final class StatusReporter: @unchecked Sendable {
    private let notifier: SystemdNotifier
    private let queue = DispatchQueue(label: "breather.status")
    private var last: String?

    init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    @Sendable func report(_ text: String) {
        queue.async { [self] in
            guard text != last else { return }
            last = text
            try? notifier.status(text)
        }
    }
}
