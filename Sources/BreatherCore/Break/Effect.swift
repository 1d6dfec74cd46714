import Foundation
import Logging

/// What the break machine asks the daemon to do once the new state is saved.
public enum Effect: Hashable, Sendable {
    /// Send this delivery now; report back with `BreakMachine.finished`.
    case attempt(Delivery)
    /// Write a line to the journal.
    case log(LogEntry)
    /// Append a finished break to the history.
    case recordHistory(HistoryRecord)
}

/// A journal line: one sentence, a level, and the `BREATHER_*` fields as metadata.
public struct LogEntry: Hashable, Sendable, Codable {
    public var level: Logger.Level
    public var message: String
    /// Keys such as `event`, `plan`, `break_id`, `channel`, `delivery_id`.
    public var fields: [String: String]

    public init(_ level: Logger.Level, _ message: String, fields: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.fields = fields
    }

    public var metadata: Logger.Metadata {
        fields.mapValues { .string($0) }
    }
}

extension LogEntry {
    static func fields(of delivery: Delivery) -> [String: String] {
        var fields = ["event": delivery.event.rawValue, "channel": delivery.channel, "delivery_id": delivery.id]
        if let plan = delivery.plan { fields["plan"] = plan }
        if let breakId = delivery.breakId { fields["break_id"] = breakId }
        if let offset = delivery.offsetSeconds { fields["offset_seconds"] = String(offset) }
        return fields
    }

    static func fields(of brk: Break) -> [String: String] {
        ["plan": brk.plan.name, "break_id": brk.id]
    }
}
