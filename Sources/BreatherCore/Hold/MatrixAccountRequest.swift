import Foundation

/// `doctor`'s two questions to a Matrix server: whose token this is (`/account/whoami`), and
/// whether that account has joined the channel's room. Sentences name the account and never
/// the token.
public enum MatrixAccountRequest {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func whoami(url: String, token: String, timeout: Double) throws(PresetRequest.Error) -> HTTPRequest {
        HTTPRequest(
            method: "GET", url: try HoldRequest.matrixOrigin(url) + "/_matrix/client/v3/account/whoami",
            headers: [("Authorization", "Bearer \(token)"), ("User-Agent", "breather/\(BreatherVersion.current)")],
            body: [], timeout: timeout, keepsBody: true)
    }

    public static func membership(url: String, userId: String, token: String, timeout: Double) -> HTTPRequest {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        return HTTPRequest(
            method: "GET", url: base + "/state/m.room.member/" + URLParts.percentEncode(userId),
            headers: [("Authorization", "Bearer \(token)"), ("User-Agent", "breather/\(BreatherVersion.current)")],
            body: [], timeout: timeout, keepsBody: true)
    }

    public static func userId(from outcome: HTTPOutcome) -> Result<String, Problem> {
        switch outcome {
        case .failure(_, let message):
            return .failure(Problem(description: "The Matrix server did not answer: \(message)"))
        case .response(let status, _, let body):
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
            if (200..<300).contains(status), let userId = object?["user_id"] as? String {
                return .success(userId)
            }
            if status == 401 || status == 403 {
                return .failure(
                    Problem(
                        description:
                            "The Matrix server does not accept the access token in token_file (HTTP \(status)); put a current token of the sending account there."
                    ))
            }
            return .failure(
                Problem(description: "The Matrix server answered HTTP \(status) when asked whose token it is."))
        }
    }

    /// Nil when the account has joined the room, else what to do.
    public static func joinProblem(_ outcome: HTTPOutcome, userId: String) -> String? {
        guard case .response(let status, _, let body) = outcome else {
            return "The Matrix server did not say whether \(userId) is in the room."
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if (200..<300).contains(status), object?["membership"] as? String == "join" { return nil }
        return
            "The account \(userId) has not joined the channel's room; join it from that account (an invitation alone is not enough)."
    }
}
