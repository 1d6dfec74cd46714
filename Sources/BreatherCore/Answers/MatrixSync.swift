import Foundation

/// The answer to a `/sync` long poll, for one room.
public enum MatrixSync {
    public struct Result: Hashable, Sendable {
        /// `next_batch`: the next poll's `since`, saved with the state.
        public var nextBatch: String
        /// The room's new timeline events, oldest first.
        public var events: [MatrixEvent]
        /// `timeline.limited`: the server left events out between the last poll and these
        /// (the gap can be read with `/messages` from `prevBatch`).
        public var limited: Bool
        public var prevBatch: String?
    }

    /// Reads `rooms.join.<room>.timeline` of a `/sync` answer; nil when the body is not one.
    /// A room with nothing new gives no events.
    public static func parse(_ body: [UInt8], room: String) -> Result? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let nextBatch = object["next_batch"] as? String, !nextBatch.isEmpty
        else { return nil }
        var result = Result(nextBatch: nextBatch, events: [], limited: false, prevBatch: nil)
        let rooms = (object["rooms"] as? [String: Any])?["join"] as? [String: Any]
        guard let timeline = (rooms?[room] as? [String: Any])?["timeline"] as? [String: Any] else { return result }
        result.limited = (timeline["limited"] as? Bool) ?? false
        result.prevBatch = timeline["prev_batch"] as? String
        for case let event as [String: Any] in timeline["events"] as? [Any] ?? [] {
            if let parsed = MatrixEvent(event) { result.events.append(parsed) }
        }
        return result
    }

    /// One page of `/messages`: its events as the server sent them (newest first when read
    /// backwards) and `end`, where the next page starts (nil: no more). Nil when the body is
    /// not such a page.
    public static func parseGapPage(_ body: [UInt8]) -> (events: [MatrixEvent], end: String?)? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let chunk = object["chunk"] as? [Any]
        else { return nil }
        let events = chunk.compactMap { ($0 as? [String: Any]).flatMap(MatrixEvent.init) }
        return (events, chunk.isEmpty ? nil : object["end"] as? String)
    }

    /// The room id in a matrix channel's url (`…/rooms/!room:example.org`), decoded.
    public static func roomId(fromURL url: String) -> String? {
        guard let range = url.range(of: "/rooms/") else { return nil }
        var rest = url[range.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) { rest = rest[..<end] }
        guard !rest.isEmpty, let decoded = String(rest).removingPercentEncoding, decoded.hasPrefix("!") else {
            return nil
        }
        return decoded
    }
}
