import Foundation

/// The HTTP requests that read answers: pure, like the presets.
///
/// ntfy: `GET <answers_url>/json?poll=1&since=<position>` returns what the topic holds after
/// the position and closes. Matrix: `GET /_matrix/client/v3/sync` with a filter for the one
/// room and the two event types, held open by the server up to `timeout` milliseconds.
public enum AnswerPollRequest {
    /// Where an ntfy poll starts reading.
    public enum NtfyPosition: Hashable, Sendable {
        /// After the message with this id (the last one read).
        case after(String)
        /// From this instant (the start of a break, before any message was read).
        case since(Date)

        var query: String {
            switch self {
            case .after(let id): return URLParts.percentEncode(id)
            case .since(let date):
                return String(Int64((date.timeIntervalSince1970 - AnswerableBreak.clockSkew).rounded(.down)))
            }
        }
    }

    /// The poll of an ntfy answers topic. `token` is the one that may read it (the channel's
    /// `token_file`; the buttons' `answers_token_file` should only be able to write).
    public static func ntfy(answersUrl: String, from position: NtfyPosition, token: String?, timeout: Double)
        throws(PresetRequest.Error) -> HTTPRequest
    {
        guard let split = URLParts(answersUrl), let topic = split.lastPathComponent, !topic.isEmpty else {
            throw PresetRequest.Error(
                description:
                    "An ntfy channel's answers_url must end in the topic, such as https://ntfy.example.org/sam-and-alex-answers."
            )
        }
        let url = split.origin + split.parentPath + topic + "/json?poll=1&since=" + position.query
        var headers: [(name: String, value: String)] = [("User-Agent", "breather/\(BreatherVersion.current)")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var request = HTTPRequest(
            method: "GET", url: url, headers: headers, body: [], timeout: timeout, keepsBody: true)
        request.bodyLimit = HTTPRequest.answersBodyLimit
        return request
    }

    /// How long the Matrix server may hold a `/sync` open when nothing happens.
    public static let matrixLongPoll: TimeInterval = 30

    /// The `/sync` filter: only the room's timeline, only messages and reactions; no presence,
    /// account data, receipts or typing, so a quiet room costs one held request a half-minute.
    public static func matrixFilter(room: String) -> String {
        let rooms = "[\(JSONObjectWriter.quote(room))]"
        let none = #"{"types": []}"#
        return #"{"presence": "# + none + #", "account_data": "# + none + #", "room": {"rooms": "# + rooms
            + #", "timeline": {"types": ["m.room.message", "m.reaction"], "limit": 20}, "state": "# + none
            + #", "ephemeral": "# + none + #", "account_data": "# + none + "}}"
    }

    /// A `/sync` long poll of the channel's room after `since` (the saved `next_batch`; nil for
    /// the first, which only learns where the room is now: `timeout=0`).
    public static func matrix(roomUrl: String, since: String?, token: String, timeout: Double)
        throws(PresetRequest.Error) -> HTTPRequest
    {
        guard let room = MatrixSync.roomId(fromURL: roomUrl) else {
            throw PresetRequest.Error(
                description:
                    "A matrix channel's url must be the room's address, such as https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org."
            )
        }
        var url =
            try HoldRequest.matrixOrigin(roomUrl) + "/_matrix/client/v3/sync?filter="
            + URLParts.percentEncode(matrixFilter(room: room))
        if let since {
            url += "&since=" + URLParts.percentEncode(since) + "&timeout=\(Int(matrixLongPoll * 1000))"
        } else {
            url += "&timeout=0"
        }
        let headers: [(name: String, value: String)] = [
            ("User-Agent", "breather/\(BreatherVersion.current)"), ("Authorization", "Bearer \(token)"),
        ]
        // The server holds the request up to the long poll; the exchange may take that and `timeout`.
        var request = HTTPRequest(
            method: "GET", url: url, headers: headers, body: [], timeout: timeout + (since == nil ? 0 : matrixLongPoll),
            keepsBody: true)
        request.bodyLimit = HTTPRequest.answersBodyLimit
        return request
    }

    /// How many events one page of a gap brings.
    public static let matrixGapPage = 50

    /// A page of the events a `limited` `/sync` left out, newest first: `GET {room}/messages`
    /// backwards from `from` (the timeline's `prev_batch`, then each page's `end`) down to
    /// `to` (the position the `/sync` read from), only messages and reactions.
    public static func matrixGap(roomUrl: String, from: String, to: String, token: String, timeout: Double)
        -> HTTPRequest
    {
        var base = roomUrl
        while base.hasSuffix("/") { base.removeLast() }
        let filter = #"{"types": ["m.room.message", "m.reaction"]}"#
        let url =
            base + "/messages?dir=b&limit=\(matrixGapPage)&from=" + URLParts.percentEncode(from) + "&to="
            + URLParts.percentEncode(to) + "&filter=" + URLParts.percentEncode(filter)
        let headers: [(name: String, value: String)] = [
            ("User-Agent", "breather/\(BreatherVersion.current)"), ("Authorization", "Bearer \(token)"),
        ]
        var request = HTTPRequest(
            method: "GET", url: url, headers: headers, body: [], timeout: timeout, keepsBody: true)
        request.bodyLimit = HTTPRequest.answersBodyLimit
        return request
    }
}
