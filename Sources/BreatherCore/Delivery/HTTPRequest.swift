/// An HTTP request as a preset builds it: pure data, sent by the transport.
public struct HTTPRequest: Hashable, Sendable {
    public var method: String
    public var url: String
    /// In order; names as written.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Seconds for the whole exchange.
    public var timeout: Double

    public init(method: String, url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Double) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.timeout == rhs.timeout
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
    /// The server answered; `retryAfter` is the raw `Retry-After` header, if any.
    case response(status: Int, retryAfter: String?)
    /// No answer: the transport's error, in one sentence without the URL.
    case failure(code: Int, message: String)
}
