/// The keys of a `type = "webhook"` channel.
///
/// A webhook URL may embed a key, so no message ever shows its value.
struct WebhookParser {
    let paths: Paths

    func parse(_ table: TOMLTable, at path: TOMLKeyPath, reader: TOMLDocumentReader) -> Webhook? {
        let display = path.displayName
        let before = reader.diagnostics.count
        reader.checkKeys(
            of: table, at: path, allowed: SettingsParser.webhookKeys, place: "[\(display)]",
            allowedText:
                "a webhook channel allows \(TOMLDocumentReader.list(SettingsParser.webhookKeys, conjunction: "and"))"
        )
        var webhook = Webhook()

        if let preset = reader.string("preset", in: table, at: path, like: "\"ntfy\"") {
            if let known = Webhook.Preset(rawValue: preset) {
                webhook.preset = known
            } else {
                let names = TOMLDocumentReader.list(Webhook.Preset.allCases.map(\.rawValue), conjunction: "or")
                reader.report(
                    path + ["preset"], "\(display).preset \(TOMLKeyText.quoted(preset)) is not a preset; use \(names).")
            }
        }

        let url = reader.string("url", in: table, at: path, like: "\"https://ntfy.example.org/topic\"")
        if let url, !Self.isHTTPURL(url) {
            reader.report(
                path + ["url"],
                "\(display).url is not an http or https URL; write it like https://ntfy.example.org/topic.")
        }
        webhook.url = url
        webhook.urlFile = file("url_file", in: table, at: path, reader: reader)
        webhook.tokenFile = file("token_file", in: table, at: path, reader: reader)
        let hasURL = reader.value("url", in: table) != nil
        let hasURLFile = reader.value("url_file", in: table) != nil
        if hasURL, hasURLFile {
            reader.report(path + ["url_file"], "\(display) has both url and url_file; keep only one of them.")
        } else if !hasURL, !hasURLFile {
            reader.report(
                path, "\(display) has neither url nor url_file; add one, like url = \"https://ntfy.example.org/topic\"."
            )
        }

        if let timeout = reader.duration("timeout", in: table, at: path, fallback: Span(seconds: 10)) {
            webhook.timeout = timeout
        }
        if let window = reader.duration("retry_window", in: table, at: path, fallback: Channel.defaultRetryWindow) {
            webhook.retryWindow = window
        }
        if let hold = reader.boolean("hold_on_server", in: table, at: path, fallback: false) {
            if hold, webhook.preset != .ntfy, webhook.preset != .matrix {
                reader.report(
                    path + ["hold_on_server"],
                    "\(display).hold_on_server works only with the ntfy and matrix presets, whose servers can hold a message until its time."
                )
            }
            webhook.holdOnServer = hold
        }
        answerKeys(of: table, at: path, into: &webhook, reader: reader)
        return reader.diagnostics.count == before ? webhook : nil
    }

    /// `answers_url` and `answers_token_file` (ntfy), `partner_user_id` (matrix): where the
    /// partner's answers come back.
    private func answerKeys(
        of table: TOMLTable, at path: TOMLKeyPath, into webhook: inout Webhook, reader: TOMLDocumentReader
    ) {
        let display = path.displayName
        let example = "https://ntfy.example.org/sam-and-alex-answers"
        if let url = reader.string("answers_url", in: table, at: path, like: "\"\(example)\"") {
            if webhook.preset != .ntfy {
                reader.report(
                    path + ["answers_url"],
                    "\(display).answers_url works only with the ntfy preset; on matrix, set partner_user_id instead.")
            } else if !Self.isHTTPURL(url) || URLParts(url)?.lastPathComponent?.isEmpty != false {
                reader.report(
                    path + ["answers_url"],
                    "\(display).answers_url is not the http or https URL of a topic; write it like \(example).")
            } else if url == webhook.url {
                reader.report(
                    path + ["answers_url"],
                    "\(display).answers_url is the channel's own topic; answers need a second topic, like \(example)."
                )
            } else {
                webhook.answersUrl = url
            }
        }
        if let file = file("answers_token_file", in: table, at: path, reader: reader) {
            if reader.value("answers_url", in: table) == nil {
                reader.report(
                    path + ["answers_token_file"],
                    "\(display).answers_token_file needs answers_url, the topic the answer buttons publish to.")
            }
            webhook.answersTokenFile = file
        }
        if let user = reader.string("partner_user_id", in: table, at: path, like: "\"@alex:example.org\"") {
            if webhook.preset != .matrix {
                reader.report(
                    path + ["partner_user_id"],
                    "\(display).partner_user_id works only with the matrix preset; on ntfy, set answers_url instead.")
            } else if !Self.isMatrixUserId(user) {
                reader.report(
                    path + ["partner_user_id"],
                    "\(display).partner_user_id \(TOMLKeyText.quoted(user)) is not a Matrix user id; write it like @alex:example.org."
                )
            } else {
                webhook.partnerUserId = user
            }
        }
    }

    /// `@localpart:server`: a non-empty localpart and server, no spaces or control characters.
    static func isMatrixUserId(_ text: String) -> Bool {
        guard text.hasPrefix("@"), let colon = text.firstIndex(of: ":") else { return false }
        let localpart = text[text.index(after: text.startIndex)..<colon]
        let server = text[text.index(after: colon)...]
        guard !localpart.isEmpty, !server.isEmpty, text.utf8.count <= 255 else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }

    /// `url_file` or `token_file`: a non-empty path, made absolute against the config folder.
    private func file(_ key: String, in table: TOMLTable, at path: TOMLKeyPath, reader: TOMLDocumentReader) -> String? {
        guard
            let value = reader.string(
                key, in: table, at: path, like: "\"secrets/\(Self.fileExample(key))\"")
        else {
            return nil
        }
        guard !value.isEmpty else {
            reader.report(
                path + [.key(key)],
                "\(path.displayName).\(key) is empty; write a path relative to the config folder, like \(key) = \"secrets/\(Self.fileExample(key))\"."
            )
            return nil
        }
        return paths.resolveInConfig(value)
    }

    private static func fileExample(_ key: String) -> String {
        switch key {
        case "url_file": return "url"
        case "answers_token_file": return "answers-token"
        default: return "token"
        }
    }

    /// `http://` or `https://` (any case), then a host, and no spaces or control characters.
    static func isHTTPURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = text.dropFirst("https://".count)
        } else if lower.hasPrefix("http://") {
            rest = text.dropFirst("http://".count)
        } else {
            return false
        }
        guard let first = rest.first, !"/?#".contains(first) else { return false }
        return rest.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }
}
