/// An HTTP request as a preset builds it: pure data, sent by the transport.
public struct HTTPRequest: Hashable, Sendable {
    public var method: String
    public var url: String
    /// In order; names as written.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Seconds for the whole exchange.
    public var timeout: Double
    /// Whether the answer's body matters (a Matrix `delay_id`, the server's versions): kept
    /// up to `bodyLimit` bytes. Other answers' bodies are counted and dropped.
    public var keepsBody: Bool
    /// How much of a kept body is kept; the rest is cut, so memory stays bounded.
    public var bodyLimit = HTTPRequest.keptBodyLimit

    /// More than any answer a hold needs.
    public static let keptBodyLimit = 64 * 1024
    /// For a read of answers: more than a `/sync` of 20 events or a page of 50 can hold (a
    /// Matrix event is at most 64 KiB), or an ntfy poll after a long gap (ntfy's answer is
    /// lines, so a cut one loses only its last).
    public static let answersBodyLimit = 4 * 1024 * 1024

    public init(
        method: String, url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Double,
        keepsBody: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.keepsBody = keepsBody
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.timeout == rhs.timeout
            && lhs.keepsBody == rhs.keepsBody
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
    }
}

/// What came of one HTTP attempt.
public enum HTTPOutcome: Hashable, Sendable {
    /// The server answered; `retryAfter` is the raw `Retry-After` header, if any; `body` is
    /// the answer's body when the request `keepsBody`, and empty otherwise.
    case response(status: Int, retryAfter: String?, body: [UInt8] = [])
    /// No answer: the transport's error, in one sentence without the URL.
    case failure(code: Int, message: String)
}
