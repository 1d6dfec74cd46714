import Foundation

/// One answer the partner gave to a break's message: a button's words (ntfy), a reply's text
/// or a reaction's key (Matrix), shown as written.
///
/// An answer is only ever shown and relayed, never read as a command.
public struct PartnerAnswer: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// An ntfy action button the plan's `answers` made.
        case button
        /// A Matrix reply to one of Breather's messages, in the partner's own words.
        case reply
        /// A Matrix reaction on one of Breather's messages (its key, such as "❤").
        case reaction
    }

    /// The service's id of what carried the answer (the ntfy message id, the Matrix event
    /// id): the same answer read twice, after a restart, is kept once.
    public var id: String
    public var breakId: String
    public var text: String
    /// When the service received it (not when Breather read it).
    public var at: Date
    /// The channel it came back on.
    public var via: String
    public var kind: Kind

    /// How many answers one break keeps: beyond them, a reaction toggled again and again is
    /// not a relay each time.
    public static let keptPerBreak = 20
    /// The longest answer kept as it is; a longer one (a Matrix reply may be long) is cut.
    public static let longestText = 1000

    public init(id: String, breakId: String, text: String, at: Date, via: String, kind: Kind) {
        self.id = id
        self.breakId = breakId
        self.text = text
        self.at = at
        self.via = via
        self.kind = kind
    }
}

/// What the matching rules need to know of a break that answers may still attach to: the
/// running one, or one that ended less than `AnswerableBreak.window` ago.
public struct AnswerableBreak: Hashable, Sendable {
    /// How long after its end a break still takes answers.
    public static let window: TimeInterval = 3600
    /// How far a service's clock may run behind this computer's before an answer counts as
    /// older than the message it answers.
    public static let clockSkew: TimeInterval = 60

    public var breakId: String
    /// The per-break secret every answer button carries (nil: the break offered no buttons).
    public var key: String?
    /// The words the plan agreed; a button with other words is not the partner's.
    public var agreedAnswers: [String]
    public var startedAt: Date
    /// Nil while the break runs.
    public var endedAt: Date?
    /// Matrix: the event id each of Breather's messages of this break got, and when it was sent.
    public var messageEvents: [String: Date]
    /// The ids of the answers already kept for this break.
    public var answered: Set<String>

    public init(
        breakId: String, key: String? = nil, agreedAnswers: [String] = [], startedAt: Date, endedAt: Date? = nil,
        messageEvents: [String: Date] = [:], answered: Set<String> = []
    ) {
        self.breakId = breakId
        self.key = key
        self.agreedAnswers = agreedAnswers
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.messageEvents = messageEvents
        self.answered = answered
    }

    /// Whether answers are still read for this break at `now`: while it runs and for the hour after.
    public func isOpen(now: Date) -> Bool {
        guard let endedAt else { return true }
        return now.timeIntervalSince(endedAt) < Self.window
    }

    /// Whether something the service received at `at` may still answer this break.
    func isWithinTheHour(_ at: Date) -> Bool {
        guard let endedAt else { return true }
        return at.timeIntervalSince(endedAt) < Self.window
    }
}

/// What the rules made of one thing read from a service.
public enum AnswerMatch: Hashable, Sendable {
    case answer(PartnerAnswer)
    case ignored(AnswerIgnoreReason)
}

/// Why something read from a service is not an answer. Its description never holds the
/// words of the message (nor its sender): it goes to the journal.
public enum AnswerIgnoreReason: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// ntfy: not a message (a keepalive, an open event).
    case notAMessage = "not_a_message"
    /// Not shaped like an answer: an ntfy message without Breather's button payload, a Matrix
    /// event that replies to or reacts on nothing.
    case notAnAnswer = "not_an_answer"
    /// Matrix: an edit of an earlier message; the earlier one counted, if it was an answer.
    case edit
    /// Matrix: a redacted event, whose words are gone.
    case redacted
    /// Arrived before any break that takes answers began: old traffic a first read brings back.
    case older
    /// Names a break that is neither running nor ended within the hour.
    case unknownBreak = "unknown_break"
    /// Matrix: replies to or reacts on a message that is not one of Breather's messages of a
    /// break that answers may still attach to.
    case unknownMessage = "unknown_message"
    /// ntfy: the button's key is not the break's.
    case wrongKey = "wrong_key"
    /// ntfy: the words are not among those the plan agreed.
    case notAgreed = "not_agreed"
    /// Matrix: from someone other than `partner_user_id`.
    case otherSender = "other_sender"
    /// The service received it before the message it answers was sent.
    case beforeItsMessage = "before_its_message"
    /// The service received it an hour or more after the break ended.
    case afterTheHour = "after_the_hour"
    /// No words: an empty reply, a reaction without a key.
    case empty
    /// Already kept for its break (read again after a restart).
    case alreadyKept = "already_kept"

    public var description: String {
        switch self {
        case .notAMessage: return "It is not a message."
        case .notAnAnswer: return "It is not an answer to one of Breather's messages."
        case .edit: return "It edits an earlier message."
        case .redacted: return "It was deleted."
        case .older: return "It arrived before the breaks that take answers began."
        case .unknownBreak: return "It names a break that is neither running nor ended within the hour."
        case .unknownMessage:
            return "It answers a message that is not Breather's, or of a break that ended more than an hour ago."
        case .wrongKey: return "Its key is not the one the break's buttons carry."
        case .notAgreed: return "Its words are not among the answers the plan agreed."
        case .otherSender: return "It is not from the partner."
        case .beforeItsMessage: return "It arrived before the message it answers was sent."
        case .afterTheHour: return "It arrived more than an hour after its break ended."
        case .empty: return "It has no words."
        case .alreadyKept: return "It was already kept."
        }
    }

    /// Whether the journal should hear of it: someone tried to answer and was turned away.
    /// Ordinary traffic (keepalives, chat that answers nothing, re-reads) is not worth a line.
    public var isWorthLogging: Bool {
        switch self {
        case .notAMessage, .notAnAnswer, .edit, .older, .alreadyKept: return false
        case .redacted, .unknownBreak, .unknownMessage, .wrongKey, .notAgreed, .otherSender, .beforeItsMessage,
            .afterTheHour, .empty:
            return true
        }
    }
}
