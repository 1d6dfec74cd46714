import BreatherCore
import Synchronization

/// Requests handed from any thread to the driving thread, and the flag that stops it.
final class CurlInbox: Sendable {
    struct Job: Sendable {
        var request: HTTPRequest
        var completion: @Sendable (HTTPOutcome) -> Void
    }

    private struct State {
        var jobs: [Job] = []
        var closed = false
    }

    private let state = Mutex(State())

    /// Queues a job; false when the transport has shut down and will take no more.
    func post(_ job: Job) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
    }

    func close() {
        state.withLock { $0.closed = true }
    }

    /// Everything queued since the last call, and whether the transport is shutting down.
    func take() -> (jobs: [Job], closed: Bool) {
        state.withLock { state in
            defer { state.jobs.removeAll() }
            return (state.jobs, state.closed)
        }
    }
}
