import BreatherCore
import Foundation

/// Sends `HTTPRequest`s with libcurl, many at once, without ever blocking the caller.
///
/// One dedicated thread drives a curl multi handle; `send` queues the request and wakes it.
/// Every transfer runs to its own `request.timeout`, so a hung endpoint delays no other
/// request. The completion is called exactly once, on that thread: hop to your own queue.
/// Dropping the transport stops the thread; requests still running then complete with a
/// failure.
public final class CurlTransport: Sendable {
    private let multi: CurlMulti
    private let inbox: CurlInbox

    public init() throws(CurlError) {
        let multi = try CurlMulti()
        let inbox = CurlInbox()
        self.multi = multi
        self.inbox = inbox
        let thread = Thread {
            CurlDriver(multi: multi, inbox: inbox).run()
        }
        thread.name = "breather-curl"
        thread.start()
    }

    deinit {
        inbox.close()
        multi.wakeup()
    }

    /// Starts one request; `completion` gets `.response` when any HTTP status arrived, and
    /// `.failure` with curl's code and a sentence free of the URL otherwise.
    public func send(_ request: HTTPRequest, completion: @escaping @Sendable (HTTPOutcome) -> Void) {
        guard inbox.post(.init(request: request, completion: completion)) else {
            completion(.failure(code: 42, message: "The HTTP request was not sent because the transport shut down."))
            return
        }
        multi.wakeup()
    }

    /// The same as `send(_:completion:)`, awaited.
    public func send(_ request: HTTPRequest) async -> HTTPOutcome {
        await withCheckedContinuation { continuation in
            send(request) { continuation.resume(returning: $0) }
        }
    }
}
