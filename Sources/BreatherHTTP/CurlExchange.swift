import BreatherCore
import CCurl
import Foundation

/// One HTTP request in flight: its easy handle, its header list, what the callbacks have seen
/// so far, and the completion to call. It lives in `CurlDriver.exchanges` from the moment its
/// handle joins the multi handle until the transfer is done, which is exactly the time libcurl
/// may call back into it through the unretained pointer set as WRITEDATA and HEADERDATA.
final class CurlExchange {
    let easy: CurlEasy
    private let headers: CurlHeaderList
    private let completion: @Sendable (HTTPOutcome) -> Void
    /// Raw value of the last `Retry-After` header of the final response.
    private(set) var retryAfter: String?
    /// Response body bytes seen and discarded.
    private(set) var discardedBodyBytes = 0
    /// The final response's body, for a request that `keepsBody` (at most
    /// `bodyLimit` bytes); nil for any other.
    private var keptBody: [UInt8]?
    private let bodyLimit: Int

    init(request: HTTPRequest, completion: @escaping @Sendable (HTTPOutcome) -> Void) throws(CurlError) {
        try HTTPRequestValidation.validate(request)
        self.easy = try CurlEasy()
        self.headers = CurlHeaderList()
        self.completion = completion
        self.keptBody = request.keepsBody ? [] : nil
        self.bodyLimit = request.bodyLimit
        try configure(request)
    }

    private func configure(_ request: HTTPRequest) throws(CurlError) {
        try easy.set(CURLOPT_NOSIGNAL, 1, "turn off signals")
        try easy.set(CURLOPT_URL, request.url, "use the request's URL")
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https", "limit the protocols to HTTP and HTTPS")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "limit redirects to HTTP and HTTPS")
        try easy.set(CURLOPT_FOLLOWLOCATION, 1, "follow redirects")
        try easy.set(CURLOPT_MAXREDIRS, 3, "limit redirects")
        try easy.set(CURLOPT_POSTREDIR, BREATHER_CURL_REDIR_POST_ALL, "keep a POST a POST across redirects")
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1, "verify the server's certificate")
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2, "verify the server's host name")

        let timeoutMs = Self.milliseconds(request.timeout)
        try easy.set(CURLOPT_TIMEOUT_MS, timeoutMs, "set the timeout")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMs, 10_000), "set the connect timeout")

        try configureMethodAndBody(request)
        try configureHeaders(request)

        let context = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_WRITEFUNCTION, callback: CurlCallbacks.readBody, "install the body callback")
        try easy.set(CURLOPT_WRITEDATA, pointer: context, "install the body callback")
        try easy.set(CURLOPT_HEADERFUNCTION, callback: CurlCallbacks.readHeader, "install the header callback")
        try easy.set(CURLOPT_HEADERDATA, pointer: context, "install the header callback")
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws(CurlError) {
        let method = request.method.uppercased()
        switch method {
        case "GET" where request.body.isEmpty:
            try easy.set(CURLOPT_HTTPGET, 1, "make a GET request")
        case "HEAD" where request.body.isEmpty:
            try easy.set(CURLOPT_NOBODY, 1, "make a HEAD request")
        case "POST":
            try easy.set(CURLOPT_POST, 1, "make a POST request")
            try easy.setBody(request.body)
        default:
            try easy.set(CURLOPT_CUSTOMREQUEST, request.method, "set the request method")
            if !request.body.isEmpty || ["PUT", "PATCH"].contains(method) {
                try easy.setBody(request.body)
            }
        }
    }

    private func configureHeaders(_ request: HTTPRequest) throws(CurlError) {
        let names = Set(request.headers.map { $0.name.lowercased() })
        for header in request.headers {
            // "Name;" is curl's syntax for a header with an empty value ("Name:" removes one).
            try headers.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        // curl would add these on its own: "Expect: 100-continue" stalls a POST for a second
        // on servers that ignore it, and a form content type would mislabel a JSON body.
        if !names.contains("expect") {
            try headers.append("Expect:")
        }
        if !names.contains("content-type") {
            try headers.append("Content-Type:")
        }
        try easy.set(CURLOPT_HTTPHEADER, list: headers, "set the request headers")
    }

    /// Called by the header callback with one raw header line of any response, the status
    /// line included. A new status line starts a new response (after a redirect or a
    /// `100 Continue`), so only the final response's `Retry-After` is kept.
    func receivedHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            retryAfter = nil
            if keptBody != nil { keptBody = [] }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        guard name.lowercased() == "retry-after" else { return }
        retryAfter = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func receivedBody(_ bytes: UnsafeRawBufferPointer) {
        guard keptBody != nil else {
            discardedBodyBytes &+= bytes.count
            return
        }
        let room = max(0, bodyLimit - keptBody!.count)
        keptBody!.append(contentsOf: bytes.prefix(room))
        discardedBodyBytes &+= max(0, bytes.count - room)
    }

    /// Turns the transfer's result into the outcome and reports it. Any HTTP status means
    /// the server answered, even when curl then failed (a timeout while reading the body).
    func finish(result: CURLcode) {
        let status = easy.responseCode()
        if status > 0 {
            completion(.response(status: status, retryAfter: retryAfter, body: keptBody ?? []))
        } else if result == CURLE_OK {
            completion(.failure(code: 0, message: "The server's answer had no HTTP status."))
        } else {
            completion(
                .failure(
                    code: Int(result.rawValue), message: "The HTTP request failed: \(CurlError.sentence(for: result))"))
        }
    }

    /// Reports that the transfer was cut off before it finished.
    func abandon(_ error: CurlError) {
        Self.fail(completion, error)
    }

    /// Reports an outcome without a transfer: the request could not start or was abandoned.
    static func fail(_ completion: @Sendable (HTTPOutcome) -> Void, _ error: CurlError) {
        completion(.failure(code: error.curlCode, message: error.message))
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return max(1, Int(min(seconds, 86_400) * 1000))
    }
}
