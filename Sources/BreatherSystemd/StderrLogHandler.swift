import Glibc
import Logging

/// Logs one line per entry to standard error: `breatherd[warning]: message key=value …`.
/// The fallback when no journal listens (a terminal, a test, a container).
public struct StderrLogHandler: LogHandler {
    public var identifier: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    public init(identifier: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = LogMetadataFlattening.merge(handler: metadata, provider: metadataProvider, call: event.metadata)
        if let error = event.error {
            fields.append((key: "error", value: "\(error)"))
        }
        Self.write(Self.line(identifier: identifier, level: event.level, message: "\(event.message)", fields: fields))
    }

    /// The line for one entry, newline included. Values with spaces, quotes or `=` are quoted;
    /// newlines inside the message are escaped so one entry stays one line.
    static func line(identifier: String, level: Logger.Level, message: String, fields: [(key: String, value: String)]) -> String {
        var line = "\(identifier)[\(level)]: \(escape(message))"
        for field in fields {
            line += " \(field.key)=\(quoteIfNeeded(field.value))"
        }
        return line + "\n"
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
        let plain = !value.isEmpty && !value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\t" || $0.isNewline }
        return plain ? value : "\"" + escape(value, quotes: true) + "\""
    }

    /// One `write(2)` per entry, so lines from different threads do not interleave.
    static func write(_ line: String) {
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
