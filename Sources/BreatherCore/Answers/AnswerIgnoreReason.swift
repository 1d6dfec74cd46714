import Foundation

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
