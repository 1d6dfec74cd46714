import Foundation

/// One event of a room's timeline, as the matching rules need it.
public struct MatrixEvent: Hashable, Sendable {
    public var eventId: String
    public var type: String
    public var sender: String
    /// `origin_server_ts`: when the sender's server received it.
    public var at: Date
    /// A state event (it has a `state_key`): never an answer.
    public var isState: Bool
    /// Redacted: its content is gone.
    public var isRedacted: Bool
    /// `content.m.relates_to.rel_type` (`m.annotation`, `m.replace`, `m.thread`, …).
    public var relType: String?
    /// `content.m.relates_to.event_id`: what a reaction is on, an edit edits, a thread hangs from.
    public var relatedEventId: String?
    /// `content.m.relates_to.m.in_reply_to.event_id`: what a reply answers.
    public var inReplyTo: String?
    /// `content.body` of a message.
    public var body: String?
    /// `content.m.relates_to.key` of a reaction.
    public var reactionKey: String?
    /// `unsigned.transaction_id`: only on events the reading account sent itself with the same
    /// token, and then Breather's delivery id, which begins with its break's id.
    public var transactionId: String?

    public init(
        eventId: String, type: String, sender: String, at: Date, isState: Bool = false, isRedacted: Bool = false,
        relType: String? = nil, relatedEventId: String? = nil, inReplyTo: String? = nil, body: String? = nil,
        reactionKey: String? = nil, transactionId: String? = nil
    ) {
        self.transactionId = transactionId
        self.eventId = eventId
        self.type = type
        self.sender = sender
        self.at = at
        self.isState = isState
        self.isRedacted = isRedacted
        self.relType = relType
        self.relatedEventId = relatedEventId
        self.inReplyTo = inReplyTo
        self.body = body
        self.reactionKey = reactionKey
    }

    /// Reads one event object of a `/sync` timeline; nil when it lacks an id, type, sender or time.
    init?(_ object: [String: Any]) {
        guard let eventId = object["event_id"] as? String, let type = object["type"] as? String,
            let sender = object["sender"] as? String,
            let millis = (object["origin_server_ts"] as? NSNumber)?.doubleValue, ServiceTime.isPlausible(millis / 1000)
        else { return nil }
        let content = object["content"] as? [String: Any] ?? [:]
        let relation = content["m.relates_to"] as? [String: Any]
        let unsigned = object["unsigned"] as? [String: Any]
        self.init(
            eventId: eventId, type: type, sender: sender, at: Date(timeIntervalSince1970: millis / 1000),
            isState: object["state_key"] != nil,
            isRedacted: unsigned?["redacted_because"] != nil || content.isEmpty,
            relType: relation?["rel_type"] as? String,
            relatedEventId: relation?["event_id"] as? String,
            inReplyTo: (relation?["m.in_reply_to"] as? [String: Any])?["event_id"] as? String,
            body: content["body"] as? String,
            reactionKey: relation?["key"] as? String,
            transactionId: unsigned?["transaction_id"] as? String
        )
    }
}

/// The answer to a `/sync` long poll, for one room.
public enum MatrixSync {
    public struct Result: Hashable, Sendable {
        /// `next_batch`: the next poll's `since`, saved with the state.
        public var nextBatch: String
        /// The room's new timeline events, oldest first.
        public var events: [MatrixEvent]
        /// `timeline.limited`: the server left events out between the last poll and these
        /// (the gap can be read with `/messages` from `prevBatch`).
        public var limited: Bool
        public var prevBatch: String?
    }

    /// Reads `rooms.join.<room>.timeline` of a `/sync` answer; nil when the body is not one.
    /// A room with nothing new gives no events.
    public static func parse(_ body: [UInt8], room: String) -> Result? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let nextBatch = object["next_batch"] as? String, !nextBatch.isEmpty
        else { return nil }
        var result = Result(nextBatch: nextBatch, events: [], limited: false, prevBatch: nil)
        let rooms = (object["rooms"] as? [String: Any])?["join"] as? [String: Any]
        guard let timeline = (rooms?[room] as? [String: Any])?["timeline"] as? [String: Any] else { return result }
        result.limited = (timeline["limited"] as? Bool) ?? false
        result.prevBatch = timeline["prev_batch"] as? String
        for case let event as [String: Any] in timeline["events"] as? [Any] ?? [] {
            if let parsed = MatrixEvent(event) { result.events.append(parsed) }
        }
        return result
    }

    /// One page of `/messages`: its events as the server sent them (newest first when read
    /// backwards) and `end`, where the next page starts (nil: no more). Nil when the body is
    /// not such a page.
    public static func parseGapPage(_ body: [UInt8]) -> (events: [MatrixEvent], end: String?)? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let chunk = object["chunk"] as? [Any]
        else { return nil }
        let events = chunk.compactMap { ($0 as? [String: Any]).flatMap(MatrixEvent.init) }
        return (events, chunk.isEmpty ? nil : object["end"] as? String)
    }

    /// The room id in a matrix channel's url (`…/rooms/!room:example.org`), decoded.
    public static func roomId(fromURL url: String) -> String? {
        guard let range = url.range(of: "/rooms/") else { return nil }
        var rest = url[range.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) { rest = rest[..<end] }
        guard !rest.isEmpty, let decoded = String(rest).removingPercentEncoding, decoded.hasPrefix("!") else {
            return nil
        }
        return decoded
    }
}
