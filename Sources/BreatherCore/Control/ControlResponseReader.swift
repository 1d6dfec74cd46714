import Foundation

/// Reads breatherd's one-line answer (a `ControlResponse`, with the status for `status`)
/// without Codable: `JSONDecoder`'s first use looks protocol conformances up across the whole
/// binary, which was a quarter of a `breather status`.
///
/// It reads the answers breatherd writes and gives the value `BreatherJSON.decoder()` would.
/// Anything else — a key it does not know, a missing field, a time `Timestamp` cannot parse,
/// any JSON `JSONCursor` does not read exactly as `JSONDecoder` — gives nil, and the caller
/// decodes the line with `BreatherJSON.decoder()`, which has the last word.
public enum ControlResponseReader {
    public static func read(_ line: [UInt8]) -> ControlResponse? {
        var cursor = JSONCursor(line)
        do throws(JSONCursor.Unreadable) {
            let response = try self.response(&cursor)
            try cursor.end()
            return response
        } catch {
            return nil
        }
    }

    private typealias Unreadable = JSONCursor.Unreadable

    private static func response(_ cursor: inout JSONCursor) throws(Unreadable) -> ControlResponse {
        var v: Int?
        var ok: Bool?
        var message: String?
        var error: ControlError?
        var status: StatusReport?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "v": v = try cursor.int()
            case "ok": ok = try cursor.bool()
            case "message": message = try cursor.skipNull() ? nil : try cursor.string()
            case "error": error = try cursor.skipNull() ? nil : try controlError(&cursor)
            case "status": status = try cursor.skipNull() ? nil : try statusReport(&cursor)
            default: throw Unreadable()
            }
        }
        guard let v, let ok else { throw Unreadable() }
        var response = ControlResponse(ok: ok, message: message, error: error, status: status)
        response.v = v
        return response
    }

    private static func controlError(_ cursor: inout JSONCursor) throws(Unreadable) -> ControlError {
        var code: ControlError.Code?
        var message: String?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "code":
                guard let known = ControlError.Code(rawValue: try cursor.string()) else { throw Unreadable() }
                code = known
            case "message": message = try cursor.string()
            default: throw Unreadable()
            }
        }
        guard let code, let message else { throw Unreadable() }
        return ControlError(code: code, message: message)
    }

    private static func statusReport(_ cursor: inout JSONCursor) throws(Unreadable) -> StatusReport {
        var active: Bool?
        var running: StatusReport.BreakStatus?
        var retrying: [StatusReport.RetryingDelivery]?
        var notTakenBack: [StatusReport.NotTakenBack]?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "active": active = try cursor.bool()
            case "break": running = try cursor.skipNull() ? nil : try breakStatus(&cursor)
            case "retrying":
                var deliveries: [StatusReport.RetryingDelivery] = []
                try cursor.array { (cursor: inout JSONCursor) throws(Unreadable) in
                    deliveries.append(try retryingDelivery(&cursor))
                }
                retrying = deliveries
            case "not_taken_back":
                if try cursor.skipNull() { break }
                var messages: [StatusReport.NotTakenBack] = []
                try cursor.array { (cursor: inout JSONCursor) throws(Unreadable) in
                    messages.append(try notTakenBackMessage(&cursor))
                }
                notTakenBack = messages
            default: throw Unreadable()
            }
        }
        guard let active, let retrying else { throw Unreadable() }
        return StatusReport(active: active, break: running, retrying: retrying, notTakenBack: notTakenBack)
    }

    private static func breakStatus(_ cursor: inout JSONCursor) throws(Unreadable) -> StatusReport.BreakStatus {
        var id: String?
        var plan: String?
        var startedAt: Date?
        var checkinAt: Date?
        var extensions: Int?
        var pending: [StatusReport.PendingReminder]?
        var partner: String?
        var note: String?
        var answers: [AnswerEntry]?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "id": id = try cursor.string()
            case "plan": plan = try cursor.string()
            case "started_at": startedAt = try date(&cursor)
            case "checkin_at": checkinAt = try date(&cursor)
            case "extensions": extensions = try cursor.int()
            case "pending":
                var reminders: [StatusReport.PendingReminder] = []
                try cursor.array { (cursor: inout JSONCursor) throws(Unreadable) in
                    reminders.append(try pendingReminder(&cursor))
                }
                pending = reminders
            case "partner": partner = try cursor.string()
            case "note": note = try cursor.skipNull() ? nil : try cursor.string()
            case "answers":
                if try cursor.skipNull() { break }
                var entries: [AnswerEntry] = []
                try cursor.array { (cursor: inout JSONCursor) throws(Unreadable) in
                    entries.append(try answerEntry(&cursor))
                }
                answers = entries
            default: throw Unreadable()
            }
        }
        guard let id, let plan, let startedAt, let checkinAt, let extensions, let pending, let partner else {
            throw Unreadable()
        }
        return StatusReport.BreakStatus(
            id: id, plan: plan, startedAt: startedAt, checkinAt: checkinAt, extensions: extensions, pending: pending,
            partner: partner, note: note, answers: answers)
    }

    private static func answerEntry(_ cursor: inout JSONCursor) throws(Unreadable) -> AnswerEntry {
        var at: Date?
        var text: String?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "at": at = try date(&cursor)
            case "text": text = try cursor.string()
            default: throw Unreadable()
            }
        }
        guard let at, let text else { throw Unreadable() }
        return AnswerEntry(at: at, text: text)
    }

    private static func pendingReminder(_ cursor: inout JSONCursor) throws(Unreadable) -> StatusReport.PendingReminder {
        var event: Event?
        var offsetSeconds: Int?
        var dueAt: Date?
        var to: [String]?
        var heldBy: [String]?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "event": event = try self.event(&cursor)
            case "offset_seconds": offsetSeconds = try cursor.int()
            case "due_at": dueAt = try date(&cursor)
            case "to": to = try cursor.strings()
            case "held_by": heldBy = try cursor.skipNull() ? nil : try cursor.strings()
            default: throw Unreadable()
            }
        }
        guard let event, let offsetSeconds, let dueAt, let to else { throw Unreadable() }
        return StatusReport.PendingReminder(
            event: event, offsetSeconds: offsetSeconds, dueAt: dueAt, to: to, heldBy: heldBy)
    }

    private static func retryingDelivery(_ cursor: inout JSONCursor) throws(Unreadable)
        -> StatusReport.RetryingDelivery
    {
        var deliveryId: String?
        var event: Event?
        var channel: String?
        var attempts: Int?
        var nextAttemptAt: Date?
        var expiresAt: Date?
        var lastError: String?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "delivery_id": deliveryId = try cursor.string()
            case "event": event = try self.event(&cursor)
            case "channel": channel = try cursor.string()
            case "attempts": attempts = try cursor.int()
            case "next_attempt_at": nextAttemptAt = try date(&cursor)
            case "expires_at": expiresAt = try date(&cursor)
            case "last_error": lastError = try cursor.skipNull() ? nil : try cursor.string()
            default: throw Unreadable()
            }
        }
        guard let deliveryId, let event, let channel, let attempts, let nextAttemptAt, let expiresAt else {
            throw Unreadable()
        }
        return StatusReport.RetryingDelivery(
            deliveryId: deliveryId, event: event, channel: channel, attempts: attempts, nextAttemptAt: nextAttemptAt,
            expiresAt: expiresAt, lastError: lastError)
    }

    private static func notTakenBackMessage(_ cursor: inout JSONCursor) throws(Unreadable)
        -> StatusReport.NotTakenBack
    {
        var event: Event?
        var channel: String?
        var dueAt: Date?
        try cursor.object { (cursor: inout JSONCursor, key: String) throws(Unreadable) in
            switch key {
            case "event": event = try self.event(&cursor)
            case "channel": channel = try cursor.string()
            case "due_at": dueAt = try date(&cursor)
            default: throw Unreadable()
            }
        }
        guard let event, let channel, let dueAt else { throw Unreadable() }
        return StatusReport.NotTakenBack(event: event, channel: channel, dueAt: dueAt)
    }

    private static func event(_ cursor: inout JSONCursor) throws(Unreadable) -> Event {
        guard let event = Event(rawValue: try cursor.string()) else { throw Unreadable() }
        return event
    }

    /// As `BreatherJSON.decoder()` reads times: RFC 3339 text through `Timestamp.parse`.
    private static func date(_ cursor: inout JSONCursor) throws(Unreadable) -> Date {
        guard let date = Timestamp.parse(try cursor.string()) else { throw Unreadable() }
        return date
    }
}
