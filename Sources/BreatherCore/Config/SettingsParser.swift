import Foundation

/// breather.toml, checked key by key.
struct SettingsParser {
    /// What the settings file yields, even when it has errors: every valid part is kept.
    struct Result {
        var settings: Settings
        /// Every channel breather.toml defines, valid or not: a plan that sends to a channel
        /// with errors is not itself wrong (the channel's errors are reported here).
        var channelNames: Set<String>
        var diagnostics: [Diagnostic]
    }

    static let topKeys = ["me", "partner", "default_plan", "channels"]
    static let webhookKeys = [
        "type", "preset", "url", "url_file", "token_file", "timeout", "retry_window", "hold_on_server", "answers_url",
        "answers_token_file", "partner_user_id",
    ]

    let paths: Paths

    func parse(_ root: TOMLTable, reader: TOMLDocumentReader) -> Result {
        var settings = Settings()
        reader.checkKeys(of: root, at: [], allowed: Self.topKeys, place: nil)
        if let me = name("me", example: "me = \"Sam\"", in: root, reader: reader) {
            settings.me = me
        }
        if let partner = name("partner", example: "partner = \"Alex\"", in: root, reader: reader) {
            settings.partner = partner
        }
        if let plan = reader.string("default_plan", in: root, at: [], like: "\"cool-down\"") {
            if plan.isEmpty {
                reader.report(
                    ["default_plan"],
                    "default_plan is empty; name a plan, like default_plan = \"cool-down\", or leave the line out.")
            } else {
                settings.defaultPlan = plan
            }
        }
        var names: Set<String> = []
        if let channels = reader.table("channels", in: root, at: [], expected: "a table of [channels.NAME] sections") {
            for name in channels.keys.sorted() {
                names.insert(name)
                if let channel = channel(name, in: channels, reader: reader) {
                    settings.channels[name] = channel
                }
            }
        }
        return Result(settings: settings, channelNames: names, diagnostics: reader.sortedDiagnostics)
    }

    /// `me` or `partner`: a required, non-empty string.
    private func name(_ key: String, example: String, in root: TOMLTable, reader: TOMLDocumentReader) -> String? {
        guard let value = reader.string(key, in: root, at: [], missing: example) else { return nil }
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            reader.report([.key(key)], "\(key) is empty; write a name, like \(example).")
            return nil
        }
        return value
    }

    private func channel(_ name: String, in channels: TOMLTable, reader: TOMLDocumentReader) -> Channel? {
        let path: TOMLKeyPath = ["channels", .key(name)]
        let display = path.displayName
        guard TOMLKeyText.isBare(name) else {
            reader.report(path, "channel name \(TOMLKeyText.quoted(name)) may only use letters, digits, '-' and '_'.")
            return nil
        }
        guard let table = reader.table(name, in: channels, at: ["channels"], expected: "a table ([\(display)])") else {
            return nil
        }
        let typeExample = "type = \"desktop\" or type = \"webhook\""
        guard let type = reader.string("type", in: table, at: path, missing: typeExample, like: "\"webhook\"") else {
            return nil
        }
        switch Channel.Kind(rawValue: type) {
        case .desktop:
            let before = reader.diagnostics.count
            reader.checkKeys(
                of: table, at: path, allowed: ["type"], place: "[\(display)]",
                allowedText: "a desktop channel has only type")
            return reader.diagnostics.count == before ? Channel(name: name, kind: .desktop) : nil
        case .webhook:
            let webhook = WebhookParser(paths: paths).parse(table, at: path, reader: reader)
            return webhook.map { Channel(name: name, kind: .webhook, webhook: $0) }
        case nil:
            reader.report(
                path + ["type"],
                "\(display).type \(TOMLKeyText.quoted(type)) is not a channel type; use \"desktop\" or \"webhook\".")
            return nil
        }
    }
}
