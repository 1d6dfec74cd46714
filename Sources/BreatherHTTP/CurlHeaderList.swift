import CCurl

/// Owns one `curl_slist` of request headers. The list must outlive the transfer that uses
/// it, so the exchange keeps this object until the transfer completes.
final class CurlHeaderList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init() {}

    deinit {
        curl_slist_free_all(head)
    }

    /// Appends one raw header line, e.g. `Content-Type: application/json`.
    func append(_ line: String) throws(CurlError) {
        guard let newHead = curl_slist_append(head, line) else {
            throw CurlError(code: .outOfMemory, message: "libcurl could not allocate memory for a request header.")
        }
        head = newHead
    }
}
