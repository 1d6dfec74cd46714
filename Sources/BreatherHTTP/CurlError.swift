import CCurl

/// A libcurl call failed, or a request could not be turned into a transfer.
///
/// `message` is one whole sentence and never contains the request's URL or header values,
/// which may hold secret keys.
public struct CurlError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// `curl_global_init`, `curl_easy_init` or `curl_multi_init` returned an error or NULL.
        case initializationFailed
        /// A `curl_easy_*` call returned this `CURLcode`.
        case easy(Int)
        /// A `curl_multi_*` call returned this `CURLMcode`.
        case multi(Int)
        /// `curl_slist_append` could not allocate.
        case outOfMemory
        /// The request's method, a header name or a header value is not valid HTTP.
        case invalidRequest
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The `CURLcode` to report in an `HTTPOutcome.failure` for this error.
    var curlCode: Int {
        switch code {
        case .easy(let raw): raw
        case .invalidRequest: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue)
        case .outOfMemory: Int(CURLE_OUT_OF_MEMORY.rawValue)
        case .initializationFailed: Int(CURLE_FAILED_INIT.rawValue)
        case .multi: Int(CURLE_FAILED_INIT.rawValue)
        }
    }

    static func easy(_ code: CURLcode, doing what: String) -> CurlError {
        CurlError(code: .easy(Int(code.rawValue)), message: "libcurl could not \(what): \(sentence(for: code))")
    }

    static func multi(_ code: CURLMcode, doing what: String) -> CurlError {
        let text = String(cString: curl_multi_strerror(code))
        return CurlError(
            code: .multi(Int(code.rawValue)),
            message: "libcurl could not \(what): \(text) (curl multi error \(code.rawValue)).")
    }

    /// curl's own text for a code, as a sentence: "Couldn't connect to server (curl error 7)."
    /// curl_easy_strerror only knows the code, never the URL, so this is safe to log.
    static func sentence(for code: CURLcode) -> String {
        "\(String(cString: curl_easy_strerror(code))) (curl error \(code.rawValue))."
    }
}
