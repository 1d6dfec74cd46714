import BreatherCore
import CCurl

/// Runs every transfer of one `CurlTransport` on one dedicated thread through the multi
/// interface: new requests arrive through the inbox (with a `curl_multi_wakeup`), and each
/// transfer runs to its own timeout, so a hung endpoint never delays another request.
final class CurlDriver {
    private let multi: CurlMulti
    private let inbox: CurlInbox
    /// The transfers in flight, keyed by their easy handle's address.
    private var exchanges: [UnsafeMutableRawPointer: CurlExchange] = [:]

    init(multi: CurlMulti, inbox: CurlInbox) {
        self.multi = multi
        self.inbox = inbox
    }

    /// Loops until the inbox closes, then abandons what is still in flight.
    func run() {
        while true {
            let (jobs, closed) = inbox.take()
            if closed {
                abandon(jobs)
                return
            }
            jobs.forEach(start)
            do {
                try multi.perform()
                finishCompleted()
                // curl_multi_poll returns early for curl's own timers and for a wakeup.
                try multi.poll(timeoutMs: 60_000)
            } catch {
                failAll(error)
            }
        }
    }

    private func start(_ job: CurlInbox.Job) {
        do {
            let exchange = try CurlExchange(request: job.request, completion: job.completion)
            try multi.add(exchange.easy)
            exchanges[exchange.easy.handle] = exchange
        } catch {
            CurlExchange.fail(job.completion, error)
        }
    }

    private func finishCompleted() {
        for (handle, result) in multi.completedTransfers() {
            guard let exchange = exchanges.removeValue(forKey: handle) else { continue }
            multi.remove(exchange.easy)
            exchange.finish(result: result)
        }
    }

    /// A multi-handle error leaves no transfer able to progress: report each as failed
    /// rather than let it wait forever.
    private func failAll(_ error: CurlError) {
        let failed = exchanges.values
        exchanges.removeAll()
        for exchange in failed {
            multi.remove(exchange.easy)
            exchange.finish(result: CURLE_FAILED_INIT)
        }
    }

    private func abandon(_ queued: [CurlInbox.Job]) {
        let error = CurlError(
            code: .easy(Int(CURLE_ABORTED_BY_CALLBACK.rawValue)),
            message: "The HTTP request was abandoned because the transport shut down.")
        for job in queued {
            CurlExchange.fail(job.completion, error)
        }
        let running = exchanges.values
        exchanges.removeAll()
        for exchange in running {
            multi.remove(exchange.easy)
            exchange.abandon(error)
        }
    }
}
