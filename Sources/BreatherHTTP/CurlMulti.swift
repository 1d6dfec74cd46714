import CCurl

/// Owns one `CURLM *` multi handle, cleaned up in `deinit`.
///
/// Only `wakeup()` may be called from any thread (libcurl documents `curl_multi_wakeup` as
/// thread-safe); every other method belongs to the one thread that drives the transfers.
/// That is why this type is `@unchecked Sendable`: the transport and its thread share it.
final class CurlMulti: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    init() throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_multi_init() else {
            throw CurlError(code: .initializationFailed, message: "libcurl could not create a multi handle.")
        }
        self.handle = handle
        // libcurl keeps idle connections for reuse, by default up to four per transfer that
        // ever ran at once: a burst of deliveries would leave that many descriptors open.
        // A bound keeps the daemon's descriptors predictable; a few receivers still reuse.
        _ = breather_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, CurlMulti.maximumIdleConnections)
    }

    /// The most idle connections libcurl keeps open for reuse (`CURLMOPT_MAXCONNECTS`).
    static let maximumIdleConnections = 4

    deinit {
        curl_multi_cleanup(handle)
    }

    /// Interrupts a `poll` in progress (or the next one). Safe from any thread.
    func wakeup() {
        _ = curl_multi_wakeup(handle)
    }

    func add(_ easy: CurlEasy) throws(CurlError) {
        let code = curl_multi_add_handle(handle, easy.handle)
        guard code == CURLM_OK else { throw CurlError.multi(code, doing: "start a transfer") }
    }

    func remove(_ easy: CurlEasy) {
        _ = curl_multi_remove_handle(handle, easy.handle)
    }

    /// Moves every transfer forward as far as it can go without blocking.
    func perform() throws(CurlError) {
        var running: Int32 = 0
        let code = curl_multi_perform(handle, &running)
        guard code == CURLM_OK else { throw CurlError.multi(code, doing: "drive its transfers") }
    }

    /// Waits for socket activity, curl's next internal timeout, a `wakeup()`, or `timeoutMs`.
    func poll(timeoutMs: Int32) throws(CurlError) {
        let code = curl_multi_poll(handle, nil, 0, timeoutMs, nil)
        guard code == CURLM_OK else { throw CurlError.multi(code, doing: "wait for network activity") }
    }

    /// The transfers that finished since the last call: the easy handle's address and its result.
    func completedTransfers() -> [(handle: UnsafeMutableRawPointer, result: CURLcode)] {
        var done: [(handle: UnsafeMutableRawPointer, result: CURLcode)] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            done.append((handle: easy, result: message.pointee.data.result))
        }
        return done
    }
}
