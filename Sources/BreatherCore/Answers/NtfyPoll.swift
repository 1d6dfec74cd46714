import Foundation

/// The answer to an ntfy poll of the answers topic.
public enum NtfyPoll {
    public struct Result: Hashable, Sendable {
        public var messages: [NtfyMessage]
        /// The id of the last message read: the next poll's `since`, saved with the state.
        public var lastId: String?
        /// Lines that were not ntfy's JSON objects (counted, never logged: they could hold words).
        public var unreadableLines: Int

        public init(messages: [NtfyMessage], lastId: String?, unreadableLines: Int) {
            self.messages = messages
            self.lastId = lastId
            self.unreadableLines = unreadableLines
        }
    }

    /// Splits a poll's body into its messages, in the order the server sent them.
    public static func parse(_ body: [UInt8]) -> Result {
        var result = Result(messages: [], lastId: nil, unreadableLines: 0)
        for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                let id = object["id"] as? String, !id.isEmpty,
                let time = (object["time"] as? NSNumber)?.doubleValue, ServiceTime.isPlausible(time),
                let event = object["event"] as? String
            else {
                result.unreadableLines += 1
                continue
            }
            let message = NtfyMessage(
                id: id, at: Date(timeIntervalSince1970: time), event: event, message: object["message"] as? String)
            result.messages.append(message)
            if event == "message" { result.lastId = id }
        }
        return result
    }
}
