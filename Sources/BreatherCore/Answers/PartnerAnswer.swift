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
