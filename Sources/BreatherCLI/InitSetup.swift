import BreatherCore
import Foundation
import Glibc

/// What `breather init` asks, what it writes, and how: the answers, the files made from the
/// embedded examples, and the exclusive, private writing of them.
struct InitSetup: Sendable {
    /// How the partner hears from Breather: one of the webhook presets, or not through Breather.
    enum Reach: Hashable, Sendable {
        case none
        case webhook(Webhook.Preset)

        static let choices = ["ntfy", "matrix", "telegram", "slack", "discord", "gotify", "json", "none"]

        init?(_ word: String) {
            let lowered = word.trimmingCharacters(in: .whitespaces).lowercased()
            if lowered == "none" {
                self = .none
            } else if let preset = Webhook.Preset(rawValue: lowered) {
                self = .webhook(preset)
            } else {
                return nil
            }
        }

        var preset: Webhook.Preset? {
            if case .webhook(let preset) = self { return preset }
            return nil
        }

        /// Telegram, Slack and Discord URLs embed a key: they go to a private file.
        var urlIsSecret: Bool {
            [.telegram, .slack, .discord].contains(preset)
        }

        enum TokenNeed { case none, optional, required }

        var token: TokenNeed {
            switch preset {
            case .ntfy?, .json?: .optional
            case .matrix?, .gotify?: .required
            default: .none
            }
        }
    }

    struct Answers: Hashable, Sendable {
        var me: String?
        var partner: String?
        var reach: Reach?
        var url: String?
        var token: String?
        /// ntfy: the second topic the partner's answer buttons publish to, and its write-only token.
        var answersURL: String?
        var answersToken: String?
        /// Matrix: the partner's user id, whose replies and reactions are answers.
        var partnerUserID: String?
        /// How you hear your own reminders away from the computer: ntfy, matrix or none.
        var phone: Reach?
        var phoneURL: String?
        var phoneToken: String?
    }

    var me: String
    var partner: String
    var reach: Reach
    var url: String?
    var token: String?
    /// ntfy: `answers_url`, the topic the partner's answer buttons publish to.
    var answersURL: String?
    /// ntfy: a token that may only publish to `answersURL`; it travels inside every button.
    var answersToken: String?
    /// Matrix: `partner_user_id`, the only sender whose replies and reactions are answers.
    var partnerUserID: String?
    /// Your own phone's channel, whose server holds your reminders for their time.
    var phone: Reach = .none
    var phoneURL: String?
    var phoneToken: String?

    /// Only services that can hold a message for its time make sense for your own phone: the
    /// point is that a reminder arrives while the computer sleeps.
    static let phoneChoices = ["ntfy", "matrix", "none"]

    /// The channel name for the partner: their name in lower case, letters, digits, `-`
    /// and `_` only ("Alex" → `alex`, "Mary Jo" → `mary-jo`); `partner` when nothing is left.
    var channel: String {
        var slug = ""
        for character in partner.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber || character == "_" || character == "-" {
                slug.append(character)
            } else if character == " ", !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        return slug.isEmpty || slug == "desktop" ? "partner" : slug
    }

    var urlFile: String? { reach.urlIsSecret ? "secrets/\(channel)-url" : nil }
    var tokenFile: String? { token.map { _ in "secrets/\(channel)-token" } }
    var answersTokenFile: String? { answersToken.map { _ in "secrets/\(channel)-answers-token" } }

    /// Whether the partner's answers come back to breatherd: a second ntfy topic, or the
    /// partner's Matrix user id.
    var readsAnswers: Bool { answersURL != nil || partnerUserID != nil }

    /// `phone`, unless the partner's channel already has that name.
    var phoneChannel: String { channel == EmbeddedExamples.phoneChannel ? "my-phone" : EmbeddedExamples.phoneChannel }
    var phoneTokenFile: String? { phoneToken.map { _ in "secrets/\(phoneChannel)-token" } }

    // MARK: Asking

    /// A person at a terminal: `ask` shows a question and returns the line typed (nil at
    /// the end of the input); `tell` shows a sentence, such as why an answer cannot be used.
    struct Prompter {
        var ask: (_ question: String, _ secret: Bool) -> String?
        var tell: (_ sentence: String) -> Void
    }

    /// Fills in what the flags left out: by asking when `prompter` is given (a terminal),
    /// else by failing with one sentence that names the missing flag.
    static func gather(_ given: Answers, prompter: Prompter?) throws -> InitSetup {
        func need(
            _ flag: String, example: String, question: String, secret: Bool = false, optional: Bool = false,
            check: (String) -> String?
        ) throws -> String? {
            guard let prompter else {
                if optional { return nil }
                throw InitFailure(
                    "breather init needs \(flag) when its input is not a terminal; pass it, like \(flag) \(example).")
            }
            while true {
                guard let line = prompter.ask(question, secret) else { throw InitFailure.stopped }
                let answer = line.trimmingCharacters(in: .whitespaces)
                if answer.isEmpty, optional { return nil }
                if let problem = check(answer) {
                    prompter.tell(problem)
                    continue
                }
                return answer
            }
        }
        func checked(_ value: String?, _ flag: String, _ check: (String) -> String?) throws -> String? {
            guard let value else { return nil }
            if let problem = check(value) {
                throw InitFailure(
                    "The \(flag) value cannot be used: \(problem.prefix(1).lowercased() + problem.dropFirst())")
            }
            return value
        }

        let me =
            try checked(given.me, "--me", checkName)
            ?? need(
                "--me", example: "Sam", question: "Your name, as your partner will read it in messages:",
                check: checkName)!
        let partner =
            try checked(given.partner, "--partner", checkName)
            ?? need("--partner", example: "Alex", question: "Your partner's name:", check: checkName)!
        let reach: Reach
        if let given = given.reach {
            reach = given
        } else {
            let choices = Reach.choices.joined(separator: ", ")
            let word = try need(
                "--channel", example: "ntfy",
                question:
                    "How should \(partner) hear from Breather? Type one of \(choices) (none: you tell them yourself):",
                check: { Reach($0) == nil ? "Please type one of \(choices)." : nil }
            )!
            reach = Reach(word)!
        }
        /// A channel's URL and token, from the flags or by asking.
        func address(
            _ preset: Webhook.Preset, flags: (url: String, token: String), given: (url: String?, token: String?),
            question: String
        ) throws -> (String?, String?) {
            let reach = Reach.webhook(preset)
            let url =
                try checked(given.url, flags.url) { checkURL($0, preset: preset) }
                ?? need(flags.url, example: exampleURL(preset), question: question) {
                    checkURL($0, preset: preset)
                }!
            switch reach.token {
            case .none:
                return (url, nil)
            case .optional, .required:
                let required = reach.token == .required
                let token =
                    try checked(given.token, flags.token, checkToken)
                    ?? need(
                        flags.token, example: "<token>", question: tokenQuestion(preset), secret: true,
                        optional: !required, check: checkToken)
                return (url, token)
            }
        }

        var setup = InitSetup(me: me, partner: partner, reach: reach)
        if let preset = reach.preset {
            (setup.url, setup.token) = try address(
                preset, flags: ("--url", "--token"), given: (given.url, given.token),
                question: urlQuestion(preset, partner: partner))
        }
        if given.answersURL != nil, reach.preset != .ntfy {
            throw InitFailure(
                "--answers-url works only with --channel ntfy; on Matrix, --partner-user-id lets your partner's replies reach you."
            )
        }
        if given.partnerUserID != nil, reach.preset != .matrix {
            throw InitFailure(
                "--partner-user-id works only with --channel matrix; on ntfy, --answers-url lets your partner answer.")
        }
        if reach.preset == .ntfy, let url = setup.url {
            let example = answersExampleURL(url)
            let check = { (answer: String) in checkAnswersURL(answer, channelURL: url, partner: partner) }
            setup.answersURL =
                try checked(given.answersURL, "--answers-url", check)
                ?? need(
                    "--answers-url", example: example, question: answersURLQuestion(partner, example: example),
                    optional: true, check: check)
        }
        if given.answersToken != nil, setup.answersURL == nil {
            throw InitFailure(
                "--answers-token goes with --answers-url, the topic your partner's answer buttons publish to.")
        }
        if setup.answersURL != nil {
            // Asked only where the server wants a token at all: the channel has one.
            setup.answersToken =
                try checked(given.answersToken, "--answers-token", checkToken)
                ?? (setup.token == nil
                    ? nil
                    : need(
                        "--answers-token", example: "<token>", question: answersTokenQuestion, secret: true,
                        optional: true, check: checkToken))
        }
        if reach.preset == .matrix {
            let example = partnerUserExample(setup.channel)
            setup.partnerUserID =
                try checked(given.partnerUserID, "--partner-user-id") { checkMatrixUser($0, example: example) }
                ?? need(
                    "--partner-user-id", example: example, question: partnerUserQuestion(partner, example: example),
                    optional: true, check: { checkMatrixUser($0, example: example) })
        }
        if let phone = given.phone {
            setup.phone = phone
        } else if prompter != nil {
            let word = try need(
                "--phone", example: "ntfy",
                question:
                    "How do you hear your own reminders away from this computer? Type ntfy or matrix for a topic or room on your phone, or press Enter for none:",
                optional: true,
                check: {
                    phoneChoices.contains($0.lowercased())
                        ? nil : "Please type ntfy or matrix, or press Enter for none."
                }
            )
            setup.phone = word.flatMap(Reach.init) ?? .none
        }
        if let preset = setup.phone.preset {
            (setup.phoneURL, setup.phoneToken) = try address(
                preset, flags: ("--phone-url", "--phone-token"), given: (given.phoneURL, given.phoneToken),
                question: phoneURLQuestion(preset))
        }
        return setup
    }

    static func phoneURLQuestion(_ preset: Webhook.Preset) -> String {
        preset == .ntfy
            ? "The ntfy topic URL your own phone subscribes to (not your partner's; like https://ntfy.sh/sam-reminders-4821):"
            : "The address of a Matrix room your own phone is in (like \(exampleURL(.matrix))):"
    }

    /// The partner's channel URL with `-answers` on its topic: the example a second topic follows.
    static func answersExampleURL(_ url: String) -> String {
        var base = url
        if let query = base.firstIndex(where: { $0 == "?" || $0 == "#" }) { base = String(base[..<query]) }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "-answers"
    }

    static func answersURLQuestion(_ partner: String, example: String) -> String {
        "\(partner) can answer your announcement with one tap. A second ntfy topic for those answers (like \(example); press Enter to skip):"
    }

    static let answersTokenQuestion =
        "A token that may only publish to the answers topic; it travels inside each answer button (kept in a private file; press Enter for none):"

    static func partnerUserExample(_ channel: String) -> String { "@\(channel):example.org" }

    static func partnerUserQuestion(_ partner: String, example: String) -> String {
        "\(partner)'s Matrix user id, so their replies and reactions reach you (like \(example); press Enter to skip):"
    }

    /// Why a URL cannot be the topic of the partner's answers, or nil.
    static func checkAnswersURL(_ url: String, channelURL: String, partner: String) -> String? {
        let example = answersExampleURL(channelURL)
        if checkURL(url, preset: .ntfy) != nil {
            return "That is not a web address; it should look like \(example)."
        }
        let topic = URLComponents(string: url)?.path.split(separator: "/").last
        if topic == nil || url.hasSuffix("/") {
            return "That address names no topic; it should look like \(example)."
        }
        if url == channelURL {
            return "That is the topic \(partner) already subscribes to; answers need a second one, like \(example)."
        }
        return nil
    }

    /// Why a Matrix user id cannot be used, or nil: `@name:server`, no spaces.
    static func checkMatrixUser(_ user: String, example: String) -> String? {
        let parts = user.dropFirst().split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard user.hasPrefix("@"), parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !user.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            return "A Matrix user id looks like \(example)."
        }
        return nil
    }

    /// Why a name cannot be used, or nil.
    static func checkName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "Please type a name." }
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "A name cannot hold control characters; please type it again."
        }
        if trimmed.count > 60 { return "Please keep the name under 60 characters." }
        return nil
    }

    static func checkToken(_ token: String) -> String? {
        if token.isEmpty { return "Please paste the token." }
        if token.contains(where: \.isWhitespace) { return "A token has no spaces; please paste it again." }
        return nil
    }

    /// Why a URL cannot be used for this preset, or nil.
    static func checkURL(_ url: String, preset: Webhook.Preset) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"),
            let host = URLComponents(string: url)?.host, !host.isEmpty,
            !url.contains(where: { $0.isWhitespace })
        else {
            return "That is not a web address; it should look like \(exampleURL(preset))."
        }
        switch preset {
        case .telegram where !(url.contains("/sendMessage") && url.contains("chat_id=")):
            return "A Telegram URL should look like \(exampleURL(.telegram))."
        case .matrix where !url.contains("/rooms/"):
            return "A Matrix URL should be the room's address, like \(exampleURL(.matrix))."
        default:
            return nil
        }
    }

    static func exampleURL(_ preset: Webhook.Preset) -> String {
        switch preset {
        case .ntfy: "https://ntfy.sh/sam-and-alex-4821"
        case .matrix: "https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org"
        case .telegram: "https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<CHAT>"
        case .slack: "https://hooks.slack.com/services/T000/B000/XXXX"
        case .discord: "https://discord.com/api/webhooks/123/abc"
        case .gotify: "https://gotify.example.org"
        case .json: "https://hooks.example.org/sam-and-alex"
        }
    }

    static func serviceName(_ preset: Webhook.Preset) -> String {
        switch preset {
        case .ntfy: "ntfy"
        case .matrix: "Matrix"
        case .telegram: "Telegram"
        case .slack: "Slack"
        case .discord: "Discord"
        case .gotify: "Gotify"
        case .json: "Breather's JSON webhook"
        }
    }

    static func urlQuestion(_ preset: Webhook.Preset, partner: String) -> String {
        let example = exampleURL(preset)
        switch preset {
        case .ntfy: return "The ntfy topic URL \(partner) subscribes to (like \(example)):"
        case .matrix: return "The Matrix room's address (like \(example)):"
        case .telegram: return "The bot's sendMessage URL (like \(example)); it is kept in a private file:"
        case .slack: return "The Slack incoming webhook URL (like \(example)); it is kept in a private file:"
        case .discord: return "The Discord webhook URL (like \(example)); it is kept in a private file:"
        case .gotify: return "The Gotify server's address (like \(example)):"
        case .json: return "The URL Breather should post its messages to (like \(example)):"
        }
    }

    static func tokenQuestion(_ preset: Webhook.Preset) -> String {
        switch preset {
        case .matrix: "The access token of the account that posts to the room (kept in a private file):"
        case .gotify: "The application token from Gotify (kept in a private file):"
        case .ntfy: "An ntfy access token, if your server needs one (press Enter for none):"
        default: "A bearer token, if your server needs one (press Enter for none):"
        }
    }

    // MARK: The files

    /// A file `init` writes, relative to the config folder.
    struct File: Hashable, Sendable {
        var path: String
        var contents: String
        /// Kept as it is when it exists already (the plan); otherwise its existence stops `init`.
        var keepIfPresent: Bool = false
        /// For an example plan: the text `make install` copies. A file still exactly so is
        /// nobody's words yet, and is replaced by the version fitted to these answers.
        var shipped: String?
    }

    var files: [File] {
        var files = [File(path: "breather.toml", contents: settingsText)]
        for (name, text) in EmbeddedExamples.plans {
            files.append(
                File(path: "plans/\(name).toml", contents: planText(text), keepIfPresent: true, shipped: text))
        }
        if let urlFile, let url { files.append(File(path: urlFile, contents: url + "\n")) }
        if let tokenFile, let token { files.append(File(path: tokenFile, contents: token + "\n")) }
        if let answersTokenFile, let answersToken {
            files.append(File(path: answersTokenFile, contents: answersToken + "\n"))
        }
        if let phoneTokenFile, let phoneToken {
            files.append(File(path: phoneTokenFile, contents: phoneToken + "\n"))
        }
        return files
    }

    /// `config/breather.toml` with these names, and the partner's channel in place of the example's.
    var settingsText: String {
        var lines = EmbeddedExamples.settings.components(separatedBy: "\n")
        for index in lines.indices {
            if lines[index].hasPrefix("me = ") { lines[index] = "me = \(Self.quoted(me))" }
            if lines[index].hasPrefix("partner = ") { lines[index] = "partner = \(Self.quoted(partner))" }
            if lines[index].hasPrefix("default_plan = ") {
                lines[index] = "default_plan = \(Self.quoted(EmbeddedExamples.planName))"
            }
        }
        // The example's partner and phone channels, with the comment lines right above them,
        // make way for ours.
        if var start = lines.firstIndex(of: "[channels.\(EmbeddedExamples.partnerChannel)]") {
            while start > 0, lines[start - 1].hasPrefix("#") { start -= 1 }
            lines.removeSubrange(start...)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return (lines + [""] + channelLines + phoneLines).joined(separator: "\n") + "\n"
    }

    /// Your own phone's channel: its server holds your reminders for their time.
    private var phoneLines: [String] {
        guard let preset = phone.preset, let phoneURL else { return [] }
        var lines = [
            "",
            "# Your own phone, for your reminders when you are away from this computer. Its server",
            "# holds each one for its time, so it arrives even while this computer sleeps.",
            "[channels.\(phoneChannel)]",
            "type = \"webhook\"",
            "preset = \(Self.quoted(preset.rawValue))",
            "url = \(Self.quoted(phoneURL))",
        ]
        if let phoneTokenFile { lines.append("token_file = \(Self.quoted(phoneTokenFile))") }
        lines.append("hold_on_server = true")
        return lines
    }

    private var channelLines: [String] {
        guard let preset = reach.preset else {
            return [
                "# No channel reaches \(partner): tell them yourself when you step away. To let Breather",
                "# tell them, add a webhook channel here (see `breather init --help` and the README).",
            ]
        }
        var lines = [
            "# \(partner)'s phone, through \(Self.serviceName(preset)).",
            "[channels.\(channel)]",
            "type = \"webhook\"",
            "preset = \(Self.quoted(preset.rawValue))",
        ]
        if let urlFile {
            lines.append(
                "url_file = \(Self.quoted(urlFile))   # the address holds a key, so it lives in a private file")
        } else if let url {
            lines.append("url = \(Self.quoted(url))")
        }
        if let tokenFile { lines.append("token_file = \(Self.quoted(tokenFile))") }
        lines.append("timeout = \"10s\"")
        if preset == .ntfy || preset == .matrix {
            lines.append(
                "hold_on_server = true   # the server keeps later messages for their time, also while this computer sleeps"
            )
        }
        return lines + answerLines(preset)
    }

    /// Where the partner's answers come back: a second ntfy topic, or the partner's Matrix
    /// user id; when init was not given one, the line as a comment, ready to fill in.
    private func answerLines(_ preset: Webhook.Preset) -> [String] {
        switch preset {
        case .ntfy:
            var lines =
                answersURL == nil
                ? [
                    "# Set a second topic here, and \(partner) can answer an announcement with one tap, in the words",
                    "# your plan offers; breatherd reads it only while a break runs and for an hour after.",
                ]
                : [
                    "# \(partner) can answer an announcement with one tap, in the words your plan offers. The answers",
                    "# come back here; breatherd reads them only while a break runs and for an hour after.",
                ]
            if tokenFile != nil {
                lines.append("# It reads them with token_file, so that token must be allowed to read this topic.")
            }
            if let answersURL {
                lines.append("answers_url = \(Self.quoted(answersURL))")
            } else {
                lines.append("# answers_url = \(Self.quoted(Self.answersExampleURL(url ?? Self.exampleURL(.ntfy))))")
            }
            if let answersTokenFile {
                lines.append(
                    "answers_token_file = \(Self.quoted(answersTokenFile))   # travels inside each button: a token that may only publish there"
                )
            }
            return lines
        case .matrix:
            guard let partnerUserID else {
                return [
                    "# With \(partner)'s Matrix user id here, their replies to Breather's messages, in their own",
                    "# words, and their reactions reach you; nobody else's do.",
                    "# partner_user_id = \(Self.quoted(Self.partnerUserExample(channel)))",
                ]
            }
            return [
                "# \(partner)'s replies to Breather's messages, in their own words, and their reactions reach",
                "# you; nobody else's do.",
                "partner_user_id = \(Self.quoted(partnerUserID))",
            ]
        default:
            return []
        }
    }

    /// An example plan, its messages sent to the partner's channel and your reminders to
    /// your phone as well; without a partner's channel, the sections for them are kept as
    /// comments so the plan still reads whole, and without a phone, the desktop alone.
    func planText(_ example: String) -> String {
        let partnerTo = "to = [\"\(EmbeddedExamples.partnerChannel)\"]"
        let phoneTo = "to = [\"desktop\", \"\(EmbeddedExamples.phoneChannel)\"]"
        var plan = example.replacingOccurrences(of: partnerTo, with: "to = [\"\(channel)\"]")
        plan = plan.replacingOccurrences(
            of: phoneTo, with: phone == .none ? "to = [\"desktop\"]" : "to = [\"desktop\", \"\(phoneChannel)\"]")
        guard reach != .none else {
            let blocks = plan.components(separatedBy: "\n\n")
            let kept = blocks.map { block -> String in
                guard block.contains("to = [\"\(channel)\"]") else { return block }
                return block.components(separatedBy: "\n")
                    .map { $0.hasPrefix("#") || $0.isEmpty ? $0 : "# " + $0 }
                    .joined(separator: "\n")
            }
            return kept.joined(separator: "\n\n")
        }
        return plan
    }

    /// A TOML basic string.
    static func quoted(_ text: String) -> String {
        TOMLText.basicString(text)
    }

    // MARK: Writing

    struct Outcome: Hashable, Sendable {
        var written: [String]
        var kept: [String]
    }

    /// Checks the files in a scratch folder with `ConfigLoader`, then writes them into
    /// `paths.configDirectory` (folders 0700, files 0600), never over an existing file.
    func install(_ paths: Paths) throws -> Outcome {
        let manager = FileManager.default
        let directory = paths.configDirectory
        let files = self.files
        if manager.fileExists(atPath: paths.settingsFile) {
            throw InitFailure(
                "\(paths.settingsFile) already exists, so breather init changed nothing; edit that file, or move it aside and run breather init again."
            )
        }
        for file in files where !file.keepIfPresent && manager.fileExists(atPath: Paths.join(directory, file.path)) {
            throw InitFailure(
                "\(Paths.join(directory, file.path)) already exists, so breather init changed nothing; move it aside and run breather init again."
            )
        }
        try validate(files)

        var outcome = Outcome(written: [], kept: [])
        for file in files {
            let path = Paths.join(directory, file.path)
            try Self.makeFolder((path as NSString).deletingLastPathComponent)
            switch Self.writeNew(path, file.contents) {
            case nil:
                outcome.written.append(file.path)
            case .some(.exists) where file.keepIfPresent:
                if let shipped = file.shipped, shipped != file.contents,
                    (try? String(contentsOfFile: path, encoding: .utf8)) == shipped,
                    Self.replace(path, with: file.contents)
                {
                    outcome.written.append(file.path)
                } else {
                    outcome.kept.append(file.path)
                }
            case let error?:
                throw InitFailure(
                    "breather init could not write \(path) (\(error)); "
                        + "check that folder's permissions and run it again.")
            }
        }
        return outcome
    }

    /// Loads the files from a scratch folder as breatherd would, and refuses what it would refuse.
    private func validate(_ files: [File]) throws {
        let scratch = NSTemporaryDirectory() + "breather-init-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let paths = Paths(
            configDirectory: scratch + "/breather", stateDirectory: scratch + "/state", runtimeDirectory: nil)
        for file in files {
            let path = Paths.join(paths.configDirectory, file.path)
            try Self.makeFolder((path as NSString).deletingLastPathComponent)
            _ = Self.writeNew(path, file.contents)
        }
        let configuration = ConfigLoader.load(paths)
        if let problem = configuration.diagnostics.first {
            throw InitFailure(
                "breather init put together a configuration that does not check out (\(problem.message)), so it wrote nothing; please report this."
            )
        }
    }

    /// `mkdir -p` with mode 0700 for the folders it makes.
    private static func makeFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw InitFailure(
                    "\(path) is a file, but breather init needs a folder there; move it aside and run breather init again."
                )
            }
            return
        }
        try makeFolder((path as NSString).deletingLastPathComponent)
        if case .failure(let error) = SystemCall.valueOrErrno({ mkdir(path, 0o700) }), error != .exists {
            throw InitFailure(
                "breather init could not make the folder \(path) (\(error)); "
                    + "check the permissions of the folder above it.")
        }
    }

    /// Puts `text` in place of the file at `path` in one rename; false when that fails.
    private static func replace(_ path: String, with text: String) -> Bool {
        let temporary = path + ".init-\(getpid())"
        unlink(temporary)
        guard writeNew(temporary, text) == nil else { return false }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }

    /// Creates `path` with mode 0600 only if nothing is there; nil, or why not.
    private static func writeNew(_ path: String, _ text: String) -> Errno? {
        let fd: Int32
        switch SystemCall.valueOrErrno({ open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }) {
        case .success(let opened): fd = opened
        case .failure(let error): return error
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = SystemCall.valueOrErrno {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, $0.count - sent) }
            }
            switch written {
            case .success(let count):
                sent += count
            case .failure(let error):
                unlink(path)
                return error
            }
        }
        // A file system that cannot sync (EINVAL) still has the file.
        if case .failure(let error) = SystemCall.valueOrErrno({ fsync(fd) }), error != Errno(EINVAL) { return error }
        return nil
    }
}

/// Why `breather init` stopped, as one sentence.
struct InitFailure: Error, Hashable, Sendable {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    static let stopped = InitFailure(
        "breather init stopped before it had every answer, so it wrote nothing; run it again when you are ready.")
}
