import BreatherCore
import Glibc
import Logging

/// One log entry, made once from a swift-log event for whichever sink takes it: the message,
/// the level, and the metadata of the handler, its provider and the call, later ones
/// winning, sorted by key, with the error (if any) last as `error`.
struct LogEntry {
    var identifier: String
    var level: Logger.Level
    var message: String
    var fields: [(key: String, value: String)]
    var file: String
    var function: String
    var line: UInt

    init(
        identifier: String, level: Logger.Level, message: String, fields: [(key: String, value: String)],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        self.identifier = identifier
        self.level = level
        self.message = message
        self.fields = fields
        self.file = file
        self.function = function
        self.line = line
    }

    init(identifier: String, event: LogEvent, metadata: Logger.Metadata, provider: Logger.MetadataProvider?) {
        var fields = LogEntry.merge(handler: metadata, provider: provider, call: event.metadata)
        if let error = event.error {
            fields.append((key: "error", value: "\(error)"))
        }
        self.init(
            identifier: identifier, level: event.level, message: "\(event.message)", fields: fields,
            file: event.file, function: event.function, line: event.line)
    }

    /// The handler's metadata, then the provider's, then the call's, later ones winning;
    /// sorted by key.
    static func merge(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        call: Logger.Metadata?
    ) -> [(key: String, value: String)] {
        var merged = handler
        if let provided = provider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let call {
            merged.merge(call) { _, new in new }
        }
        return merged.map { (key: $0.key, value: "\($0.value)") }.sorted { $0.key < $1.key }
    }

    // MARK: the journal

    /// The metadata as journal fields: `break_id` → `BREATHER_BREAK_ID`.
    var journalFields: [(name: String, value: String)] {
        fields.map { (name: JournalFieldName.sanitize($0.key), value: $0.value) }
    }

    func sendToJournal() throws(SystemdError) {
        try Journal.send(
            message: message, priority: JournalPriority(level), identifier: identifier,
            fields: journalFields, file: file, function: function, line: line)
    }

    // MARK: standard error

    /// The line for standard error, newline included. Values with spaces, quotes or `=` are
    /// quoted; newlines inside the message are escaped so one entry stays one line.
    var standardErrorLine: String {
        var text = "\(identifier)[\(level)]: \(LogEntry.escape(message))"
        for field in fields {
            text += " \(field.key)=\(LogEntry.quoteIfNeeded(field.value))"
        }
        return text + "\n"
    }

    func writeToStandardError() {
        LogEntry.writeToStandardError(standardErrorLine)
    }

    /// One `write(2)` per entry, so lines from different threads do not interleave.
    static func writeToStandardError(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = SystemCall.valueOrErrno {
                bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            }
            guard case .success(let count) = written, count > 0 else { return }
            offset += count
        }
    }

    /// Escapes backslashes, newlines and carriage returns, and double quotes when `quotes` is set.
    private static func escape(_ text: String, quotes: Bool = false) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\r\n": out += "\\r\\n"
            case "\"" where quotes: out += "\\\""
            default: out.append(character)
            }
        }
        return out
    }

    private static func quoteIfNeeded(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && !value.contains {
                $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\t" || $0.isNewline
            }
        return plain ? value : "\"" + escape(value, quotes: true) + "\""
    }
}
