import Logging

/// syslog priorities as journald stores them in `PRIORITY`.
public enum JournalPriority: Int, Sendable, Hashable {
    case emergency = 0
    case alert, critical, error, warning, notice, info, debug

    /// swift-log levels onto syslog priorities (`trace` has none of its own).
    public init(_ level: Logger.Level) {
        switch level {
        case .trace, .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}
