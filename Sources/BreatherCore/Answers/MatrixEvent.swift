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
