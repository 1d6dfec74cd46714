/// Everything the daemon must not forget, saved as one file so that each change (a break
/// starting, a reminder going out and its deliveries being queued) is one atomic write.
public struct BreatherState: Hashable, Sendable, Codable {
    public static let currentVersion = 1

    public var version: Int
    public var activeBreak: Break?
    /// Deliveries not yet delivered: queued, or waiting for another attempt.
    public var outbox: [Delivery]
    /// History and journal lines of the last change, until they are written (nil: none).
    public var unwritten: UnwrittenRecords?
    /// Messages that services hold, or are being handed, for their due time (nil: none; a
    /// state saved before holding existed has no such key).
    public var held: [HeldMessage]?
    /// Breaks that ended less than an hour ago, for answers that come late (nil: none).
    public var answerWindows: [AnswerWindow]?
    /// Where reading answers goes on, by channel (ntfy: the last message id; Matrix:
    /// `next_batch`), saved with the answers read up to it (nil: none).
    public var answerCursors: [String: String]?

    /// The held messages, as a list.
    public var heldMessages: [HeldMessage] {
        get { held ?? [] }
        set { held = newValue.isEmpty ? nil : newValue }
    }

    public init(activeBreak: Break? = nil, outbox: [Delivery] = [], unwritten: UnwrittenRecords? = nil) {
        self.version = BreatherState.currentVersion
        self.activeBreak = activeBreak
        self.outbox = outbox
        self.unwritten = unwritten
    }
}
