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
        return reader.diagnostics.count == before ? webhook : nil
    }

    /// `url_file` or `token_file`: a non-empty path, made absolute against the config folder.
    private func file(_ key: String, in table: TOMLTable, at path: TOMLKeyPath, reader: TOMLDocumentReader) -> String? {
        guard
            let value = reader.string(
                key, in: table, at: path, like: "\"secrets/\(key == "url_file" ? "url" : "token")\"")
        else {
            return nil
        }
        guard !value.isEmpty else {
            reader.report(
                path + [.key(key)],
                "\(path.displayName).\(key) is empty; write a path relative to the config folder, like \(key) = \"secrets/\(key == "url_file" ? "url" : "token")\"."
            )
            return nil
        }
        return paths.resolveInConfig(value)
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
