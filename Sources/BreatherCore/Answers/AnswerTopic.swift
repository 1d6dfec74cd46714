/// Where an ntfy channel's answer buttons publish: its `answers_url`, and the token read from
/// `answers_token_file` (it travels inside every button, so it should only be able to write
/// to that topic).
public struct AnswerTopic: Hashable, Sendable {
    public var url: String
    public var token: String?

    public init(url: String, token: String? = nil) {
        self.url = url
        self.token = token
    }
}
