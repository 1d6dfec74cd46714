/// Where a message goes, as `[channels.NAME]` in breather.toml defines it.
public struct Channel: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case desktop
        case webhook
    }

    public var name: String
    public var kind: Kind
    /// Present when `kind == .webhook`.
    public var webhook: Webhook?

    public init(name: String, kind: Kind, webhook: Webhook? = nil) {
        self.name = name
        self.kind = kind
        self.webhook = webhook
    }

    /// How far a failed delivery is retried when the channel says nothing else.
    public static let defaultRetryWindow = Span(seconds: 24 * 3600)

    public var retryWindow: Span {
        webhook?.retryWindow ?? Channel.defaultRetryWindow
    }
}

/// The settings of a `type = "webhook"` channel.
///
/// `url` and the secret files are never logged or shown: use `redactedURL` in anything a
/// person or the journal reads.
public struct Webhook: Hashable, Sendable, Codable {
    public enum Preset: String, Hashable, Sendable, Codable, CaseIterable {
        case json, ntfy, slack, discord, matrix, telegram, gotify
    }

    public var preset: Preset
    /// The URL written in the config, or nil when it comes from `urlFile`.
    public var url: String?
    /// An absolute path to a file holding the URL (for URLs that embed a key).
    public var urlFile: String?
    /// An absolute path to a file holding a bearer token.
    public var tokenFile: String?
    public var timeout: Span
    public var retryWindow: Span
    /// `hold_on_server`: the service (ntfy 2.16+, Matrix with MSC4140) is handed each later
    /// message of a break at its start and delivers it at its time, also while this computer
    /// sleeps.
    public var holdOnServer: Bool = false
    /// ntfy: `answers_url`, the topic the answer buttons publish to and breatherd reads. Nil:
    /// the partner gets no buttons on this channel. (Spelt `Url` so that the snake-case coders
    /// of `BreatherJSON` give it back: `answersURL` would decode from `answers_url` as nil.)
    public var answersUrl: String?
    /// ntfy: `answers_token_file`, an absolute path to a token that may publish to
    /// `answersUrl`. It travels inside every button, so it should be able to write only.
    public var answersTokenFile: String?
    /// Matrix: `partner_user_id` (`@alex:example.org`), the only sender whose replies and
    /// reactions are answers. Nil: Breather reads no answers in this room.
    public var partnerUserId: String?

    public init(
        preset: Preset = .json,
        url: String? = nil,
        urlFile: String? = nil,
        tokenFile: String? = nil,
        timeout: Span = Span(seconds: 10),
        retryWindow: Span = Channel.defaultRetryWindow
    ) {
        self.preset = preset
        self.url = url
        self.urlFile = urlFile
        self.tokenFile = tokenFile
        self.timeout = timeout
        self.retryWindow = retryWindow
    }
}
