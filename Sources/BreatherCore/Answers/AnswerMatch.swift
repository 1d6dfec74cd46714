import Foundation

/// What the rules made of one thing read from a service.
public enum AnswerMatch: Hashable, Sendable {
    case answer(PartnerAnswer)
    case ignored(AnswerIgnoreReason)
}
