/// A pre-agreed break routine: one TOML file in the plans folder, named by its stem.
///
/// A break copies its plan when it starts, so editing the file mid-break changes nothing
/// that was promised.
public struct Plan: Hashable, Sendable, Codable {
    public var name: String
    public var description: String
    public var codeWord: String?
    public var duration: Span
    public var announce: Message?
    public var reminders: [Reminder]
    public var back: Message?
    public var extend: Message?
    /// Optional: sent on `breather cancel`. Silent when absent.
    public var cancel: Message?
    /// `[answers]`: where a partner's answer is relayed to the one on the break, and in what
    /// words. Nil when the plan has no such section: the defaults then apply.
    public var answerRelay: AnswerRelay?

    public init(
        name: String,
        description: String = "",
        codeWord: String? = nil,
        duration: Span,
        announce: Message? = nil,
        reminders: [Reminder] = [],
        back: Message? = nil,
        extend: Message? = nil,
        cancel: Message? = nil,
        answerRelay: AnswerRelay? = nil
    ) {
        self.name = name
        self.description = description
        self.codeWord = codeWord
        self.duration = duration
        self.announce = announce
        self.reminders = reminders
        self.back = back
        self.extend = extend
        self.cancel = cancel
        self.answerRelay = answerRelay
    }

    /// Every answer the partner may give with a button, in the order the plan lists them:
    /// those of `[announce]`, then those of `[extend]` not already there.
    public var agreedAnswers: [String] {
        var all: [String] = []
        for answer in (announce?.answers ?? []) + (extend?.answers ?? []) where !all.contains(answer) {
            all.append(answer)
        }
        return all
    }

    /// A message the plan sends on an event, to some channels.
    public struct Message: Hashable, Sendable, Codable {
        /// How many answers one message may offer (ntfy shows at most three buttons).
        public static let maxAnswers = 3

        public var to: [String]
        public var template: Template
        /// `answers = [...]` on `[announce]` and `[extend]`: the words the two agreed the
        /// partner can answer with, one button each. Nil when the plan offers none.
        public var answers: [String]?

        public init(to: [String], template: Template, answers: [String]? = nil) {
            self.to = to
            self.template = template
            self.answers = answers
        }
    }

    /// `[answers]`: the relay of a partner's answer to the one on the break.
    public struct AnswerRelay: Hashable, Sendable, Codable {
        /// The text when the plan gives none.
        public static let defaultMessage = "{partner} answered: {answer}"

        /// The channels; nil for the default (every desktop channel, and `phone` if defined).
        public var to: [String]?
        public var template: Template

        public init(to: [String]? = nil, template: Template) {
            self.to = to
            self.template = template
        }

        /// Where an answer goes: `to`, or by default every desktop channel and the channel
        /// named `phone`, if `settings` define one, in name order.
        public func channels(in settings: Settings) -> [String] {
            if let to { return to }
            let desktops = settings.channels.values.filter { $0.kind == .desktop }.map(\.name).sorted()
            return desktops + (settings.channels["phone"] != nil && !desktops.contains("phone") ? ["phone"] : [])
        }

        /// The relay when the plan says nothing.
        public static var standard: AnswerRelay {
            AnswerRelay(template: try! Template(defaultMessage, allowing: Template.Variable.answerMessage))
        }
    }

    /// A message scheduled relative to the check-in time.
    public struct Reminder: Hashable, Sendable, Codable {
        public var offset: Span
        public var to: [String]
        public var template: Template

        public init(offset: Span, to: [String], template: Template) {
            self.offset = offset
            self.to = to
            self.template = template
        }
    }

    /// Whether `word` names this plan: its file name, or its code word in any case.
    public func matches(_ word: String) -> Bool {
        if word == name { return true }
        guard let codeWord else { return false }
        return codeWord.lowercased() == word.lowercased()
    }
}
