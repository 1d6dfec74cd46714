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

    public init(
        name: String,
        description: String = "",
        codeWord: String? = nil,
        duration: Span,
        announce: Message? = nil,
        reminders: [Reminder] = [],
        back: Message? = nil,
        extend: Message? = nil,
        cancel: Message? = nil
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
    }

    /// A message the plan sends on an event, to some channels.
    public struct Message: Hashable, Sendable, Codable {
        public var to: [String]
        public var template: Template

        public init(to: [String], template: Template) {
            self.to = to
            self.template = template
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
