import Logging

/// The swift-log handler of Breather's programs. Each entry goes to one sink: the systemd
/// journal, with structured fields, or standard error, as one line. What both sinks share
/// (merging the metadata, adding the error, the level) is done once, in `LogEntry`.
public struct BreatherLogHandler: LogHandler {
    /// Where entries go.
    public enum Sink: Sendable, Hashable {
        /// `sd_journal_sendv`: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`,
        /// `CODE_LINE`, `CODE_FUNC`, and each metadata key as a field through
        /// `JournalFieldName.sanitize` (`break_id` → `BREATHER_BREAK_ID`). An entry the
        /// journal refuses goes to standard error instead, so it is never lost without a trace.
        case journal
        /// One line per entry: `breatherd[warning]: message key=value …`. For a terminal, a
        /// test, a container: wherever no journal listens.
        case standardError

        /// The journal when journald listens (its socket exists), standard error otherwise.
        public static var current: Sink {
            Journal.isAvailable ? .journal : .standardError
        }
    }

    public var identifier: String
    public var sink: Sink
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info

    public init(identifier: String, sink: Sink, metadataProvider: Logger.MetadataProvider? = nil) {
        self.identifier = identifier
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let entry = LogEntry(identifier: identifier, event: event, metadata: metadata, provider: metadataProvider)
        switch sink {
        case .journal:
            do {
                try entry.sendToJournal()
            } catch {
                entry.writeToStandardError()
            }
        case .standardError:
            entry.writeToStandardError()
        }
    }
}

extension BreatherLogHandler {
    /// A handler factory for `LoggingSystem.bootstrap`: the journal when journald listens,
    /// standard error otherwise. The choice is made once, now.
    public static func factory(
        identifier: String,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> @Sendable (String) -> any LogHandler {
        let sink = Sink.current
        return { _ in
            var handler = BreatherLogHandler(identifier: identifier, sink: sink, metadataProvider: metadataProvider)
            handler.logLevel = logLevel
            return handler
        }
    }

    /// Calls `LoggingSystem.bootstrap` once for the process with `factory(identifier:…)`.
    public static func bootstrap(identifier: String, logLevel: Logger.Level = .info) {
        LoggingSystem.bootstrap(factory(identifier: identifier, logLevel: logLevel))
    }
}
