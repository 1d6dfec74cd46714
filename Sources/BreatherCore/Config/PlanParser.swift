import Foundation

/// One `plans/NAME.toml`, checked key by key. The plan is nil when the file has any error.
struct PlanParser {
    static let topKeys = [
        "description", "code_word", "duration", "announce", "reminder", "back", "extend", "cancel", "answers",
    ]
    static let messageEvents = ["announce", "back", "extend", "cancel"]
    /// The events whose message may offer the partner answers.
    static let answerableEvents: Set<String> = ["announce", "extend"]
    static let answerExample = #"answers = ["Thank you for telling me. Take your time."]"#

    let name: String
    /// The channels breather.toml defines; every `to` must name one of them.
    let channelNames: Set<String>

    func parse(_ root: TOMLTable, reader: TOMLDocumentReader) -> Plan? {
        reader.checkKeys(of: root, at: [], allowed: Self.topKeys, place: nil)
        let description = reader.string("description", in: root, at: []) ?? ""
        let codeWord = self.codeWord(in: root, reader: reader)
        let duration = reader.duration("duration", in: root, at: [], missing: "duration = \"30m\"")

        var messages: [String: Plan.Message] = [:]
        for event in Self.messageEvents {
            guard let table = reader.table(event, in: root, at: [], expected: "a table ([\(event)])") else { continue }
            messages[event] = message(
                in: table, at: [.key(event)], place: "[\(event)]",
                answerable: Self.answerableEvents.contains(event), reader: reader)
        }
        let reminders = self.reminders(in: root, reader: reader)
        let answerRelay = self.answerRelay(in: root, reader: reader)

        guard reader.diagnostics.isEmpty, let duration else { return nil }
        return Plan(
            name: name,
            description: description,
            codeWord: codeWord,
            duration: duration,
            announce: messages["announce"],
            reminders: reminders,
            back: messages["back"],
            extend: messages["extend"],
            cancel: messages["cancel"],
            answerRelay: answerRelay
        )
    }

    private func codeWord(in root: TOMLTable, reader: TOMLDocumentReader) -> String? {
        guard let word = reader.string("code_word", in: root, at: [], like: "\"pineapple\"") else { return nil }
        if word.isEmpty {
            reader.report(
                ["code_word"],
                "code_word is empty; write one word, like code_word = \"pineapple\", or leave the line out.")
            return nil
        }
        if word.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            reader.report(
                ["code_word"],
                "code_word \(TOMLKeyText.quoted(word)) must be one word without spaces, like \"pineapple\".")
            return nil
        }
        return word
    }

    private func reminders(in root: TOMLTable, reader: TOMLDocumentReader) -> [Plan.Reminder] {
        guard let array = reader.array("reminder", in: root, at: [], expected: "a list of tables written [[reminder]]")
        else {
            return []
        }
        var reminders: [Plan.Reminder] = []
        for index in 0..<array.count {
            let path: TOMLKeyPath = ["reminder", .index(index)]
            let element = array[index]
            guard let table = element.table else {
                reader.report(
                    path,
                    "each reminder must be a table written [[reminder]], not \(TOMLDocumentReader.describe(element)).")
                continue
            }
            let offset = reader.offset("offset", in: table, at: path, missing: "offset = \"-5m\"")
            let message = self.message(
                in: table, at: path, place: "[[reminder]]", extraKeys: ["offset"], reader: reader)
            if let offset, let message {
                reminders.append(Plan.Reminder(offset: offset, to: message.to, template: message.template))
            }
        }
        return reminders
    }

    /// `to` and `message` of an event's table (and, for a reminder, its `offset`; for an
    /// event the partner may answer, its `answers`).
    private func message(
        in table: TOMLTable, at path: TOMLKeyPath, place: String, extraKeys: [String] = [], answerable: Bool = false,
        reader: TOMLDocumentReader
    ) -> Plan.Message? {
        let allowed = extraKeys + ["to", "message"] + (answerable ? ["answers"] : [])
        reader.checkKeys(of: table, at: path, allowed: allowed, place: place)
        let before = reader.diagnostics.count
        let answers = answerable ? self.answers(in: table, at: path, reader: reader) : nil
        let to = channels(in: table, at: path, reader: reader)
        let template = self.template(in: table, at: path, reader: reader)
        guard let to, let template, reader.diagnostics.count == before else { return nil }
        return Plan.Message(to: to, template: template, answers: answers)
    }

    /// `answers = [...]`: one to three different, non-empty strings; nil when absent.
    private func answers(in table: TOMLTable, at tablePath: TOMLKeyPath, reader: TOMLDocumentReader) -> [String]? {
        let path = tablePath + ["answers"]
        let display = path.displayName
        guard
            let array = reader.array(
                "answers", in: table, at: tablePath,
                expected: #"a list of answers like ["Thank you for telling me. Take your time."]"#)
        else {
            return nil
        }
        guard array.count > 0 else {
            reader.report(
                path, "\(display) is empty; list the answers, like \(Self.answerExample), or leave the line out.")
            return nil
        }
        var answers: [String] = []
        for index in 0..<array.count {
            let elementPath = path + [.index(index)]
            let element = array[index]
            if index == Plan.Message.maxAnswers {
                reader.report(
                    elementPath,
                    "\(display) lists \(array.count) answers; offer at most \(Plan.Message.maxAnswers), one button each."
                )
                break
            }
            guard let answer = element.string else {
                reader.report(
                    elementPath, "\(display) must list answers as strings, not \(TOMLDocumentReader.describe(element))."
                )
                continue
            }
            if answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                reader.report(elementPath, "\(display) has an empty answer; write the words the button says.")
            } else if answers.contains(answer) {
                reader.report(
                    elementPath, "\(display) lists \(TOMLKeyText.quoted(answer)) twice; list each answer once.")
            }
            answers.append(answer)
        }
        return answers
    }

    /// `[answers]`: where the partner's answers are relayed (`to`, optional) and in what words
    /// (`message`, optional); nil when the plan has no such section.
    private func answerRelay(in root: TOMLTable, reader: TOMLDocumentReader) -> Plan.AnswerRelay? {
        let path: TOMLKeyPath = ["answers"]
        guard let table = reader.table("answers", in: root, at: [], expected: "a table ([answers])") else { return nil }
        reader.checkKeys(of: table, at: path, allowed: ["to", "message"], place: "[answers]")
        var relay = Plan.AnswerRelay.standard
        if reader.value("to", in: table) != nil {
            relay.to = channels(in: table, at: path, reader: reader)
        }
        if reader.value("message", in: table) != nil {
            if let template = template(in: table, at: path, allowing: Template.Variable.answerMessage, reader: reader) {
                relay.template = template
            }
        }
        return relay
    }

    private func channels(in table: TOMLTable, at tablePath: TOMLKeyPath, reader: TOMLDocumentReader) -> [String]? {
        let path = tablePath + ["to"]
        let display = path.displayName
        guard
            let array = reader.array(
                "to", in: table, at: tablePath, expected: "a list of channel names like [\"alex\"]",
                missing: "to = [\"alex\"]")
        else {
            return nil
        }
        guard array.count > 0 else {
            reader.report(path, "\(display) is empty; list at least one channel, like to = [\"alex\"].")
            return nil
        }
        var names: [String] = []
        var valid = true
        for index in 0..<array.count {
            let elementPath = path + [.index(index)]
            let element = array[index]
            guard let name = element.string else {
                reader.report(
                    elementPath,
                    "\(display) must list channel names as strings, not \(TOMLDocumentReader.describe(element)).")
                valid = false
                continue
            }
            if !channelNames.contains(name) {
                reader.report(
                    elementPath,
                    "\(display) names channel \(TOMLKeyText.quoted(name)), which breather.toml does not define; \(definedChannels)."
                )
                valid = false
            } else if names.contains(name) {
                reader.report(
                    elementPath, "\(display) names channel \(TOMLKeyText.quoted(name)) twice; list each channel once.")
                valid = false
            }
            names.append(name)
        }
        return valid ? names : nil
    }

    private var definedChannels: String {
        guard !channelNames.isEmpty else { return "breather.toml defines no channels" }
        let sorted = channelNames.sorted()
        return sorted.count == 1
            ? "the only channel it defines is \(sorted[0])"
            : "the channels it defines are \(TOMLDocumentReader.list(sorted, conjunction: "and"))"
    }

    private func template(
        in table: TOMLTable, at tablePath: TOMLKeyPath, allowing: [Template.Variable] = Template.Variable.everyMessage,
        reader: TOMLDocumentReader
    ) -> Template? {
        let path = tablePath + ["message"]
        let display = path.displayName
        guard
            let text = reader.string(
                "message", in: table, at: tablePath, missing: "message = \"{me} is back and ready to talk.\"")
        else {
            return nil
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            reader.report(path, "\(display) is empty; write the text to send.")
            return nil
        }
        do {
            return try Template(text, allowing: allowing)
        } catch {
            switch error.code {
            case .unknownVariable(let variable):
                let known = error.known.map { "{\($0.rawValue)}" }
                reader.report(
                    path,
                    "\(display) uses the unknown template variable {\(variable)}; the known ones are \(TOMLDocumentReader.list(known, conjunction: "and"))."
                )
            case .unclosedBrace:
                reader.report(path, "\(display) has a '{' that is never closed; write '{{' for a literal brace.")
            case .strayClosingBrace:
                reader.report(path, "\(display) has a '}' with no opening '{'; write '}}' for a literal brace.")
            }
            return nil
        }
    }
}
