import BreatherCore

/// Checks that a request can be sent as written: a header value with a line break would let
/// one header smuggle in another, and libcurl would pass it through unchanged.
enum HTTPRequestValidation {
    static func validate(_ request: HTTPRequest) throws(CurlError) {
        guard isToken(request.method) else {
            throw CurlError(
                code: .invalidRequest, message: "The request's method is not a valid HTTP method, so it was not sent.")
        }
        for header in request.headers {
            guard isToken(header.name) else {
                throw CurlError(
                    code: .invalidRequest,
                    message: "A request header has a name that is not valid HTTP, so the request was not sent.")
            }
            guard !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                throw CurlError(
                    code: .invalidRequest,
                    message:
                        "The value of request header \(header.name) contains a line break, so the request was not sent."
                )
            }
        }
        guard !request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw CurlError(
                code: .invalidRequest,
                message: "The request's URL contains a space or control character, so it was not sent.")
        }
    }

    /// RFC 9110 `token`: one or more visible ASCII characters other than separators.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
