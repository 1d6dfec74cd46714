import Foundation

/// The `json` webhook preset: a POST with Breather's own body.
///
/// `{"event", "message", "plan", "break_id", "delivery_id", "checkin_at", "due_at",
/// "sent_at", "late_seconds", "offset_seconds"}`, keys in that order, `offset_seconds` only
/// for reminders; `Idempotency-Key` is the delivery id on every attempt.
public enum JSONPreset {
    public static func request(for delivery: Delivery, url: String, token: String?, timeout: Span, sentAt: Date)
        -> HTTPRequest
    {
        var body = JSONObjectWriter()
        body.add("event", string: delivery.event.rawValue)
        body.add("message", string: delivery.message)
        body.add("plan", string: delivery.plan)
        body.add("break_id", string: delivery.breakId)
        body.add("delivery_id", string: delivery.id)
        body.add("checkin_at", string: delivery.checkinAt.map(Timestamp.format))
        body.add("due_at", string: Timestamp.format(delivery.dueAt))
        body.add("sent_at", string: Timestamp.format(sentAt))
        body.add(
            "late_seconds", raw: String(format: "%.3f", sentAt.wholeMilliseconds.timeIntervalSince(delivery.dueAt)))
        if let offset = delivery.offsetSeconds {
            body.add("offset_seconds", raw: String(offset))
        }
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Idempotency-Key", delivery.id),
            ("User-Agent", "breather/\(BreatherVersion.current)"),
        ]
        if let token {
            headers.append(("Authorization", "Bearer \(token)"))
        }
        return HTTPRequest(
            method: "POST", url: url, headers: headers, body: Array(body.finish().utf8),
            timeout: Double(timeout.seconds))
    }
}
