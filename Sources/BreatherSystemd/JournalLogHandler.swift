import Logging

/// A swift-log handler that writes each entry to the systemd journal with structured fields.
///
/// Metadata keys become journal fields through `JournalFieldName.sanitize`
/// (`break_id` → `BREATHER_BREAK_ID`); the entry also carries `MESSAGE`, `PRIORITY`,
/// `SYSLOG_IDENTIFIER` and `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`. When a send fails, the entry
/// goes to standard error instead, so it is never lost without a trace.
public struct JournalLogHandler: LogHandler {
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
        var pairs = LogMetadataFlattening.merge(handler: metadata, provider: metadataProvider, call: event.metadata)
        if let error = event.error {
            pairs.append((key: "error", value: "\(error)"))
        }
        let fields = pairs.map { (name: JournalFieldName.sanitize($0.key), value: $0.value) }
        do {
            try Journal.send(
                message: "\(event.message)",
                priority: JournalPriority(event.level),
                identifier: identifier,
                fields: fields,
                file: event.file,
                function: event.function,
                line: event.line)
        } catch {
            StderrLogHandler.write(StderrLogHandler.line(
                identifier: identifier, level: event.level, message: "\(event.message)", fields: pairs))
        }
    }
}

extension JournalLogHandler {
    /// A handler factory for `LoggingSystem.bootstrap`: the journal when journald listens,
    /// standard error otherwise. The choice is made once, now.
    public static func factory(
        identifier: String,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> @Sendable (String) -> any LogHandler {
        if Journal.isAvailable {
            return { _ in
                var handler = JournalLogHandler(identifier: identifier, metadataProvider: metadataProvider)
                handler.logLevel = logLevel
                return handler
            }
        }
        return { _ in
            var handler = StderrLogHandler(identifier: identifier, metadataProvider: metadataProvider)
            handler.logLevel = logLevel
            return handler
        }
    }

    /// Calls `LoggingSystem.bootstrap` once for the process with `factory(identifier:…)`.
    public static func bootstrap(identifier: String, logLevel: Logger.Level = .info) {
        LoggingSystem.bootstrap(factory(identifier: identifier, logLevel: logLevel))
    }
}
