/// A notification on screen: the id its server gave it, and which server that was.
///
/// An id alone is not enough: a notification server that restarts (a re-login, a crash)
/// numbers from 1 again, so an old id may now be another program's notification. `server`
/// is the bus's id and the server's unique name on it, which are never given out twice.
public struct ShownNotification: Hashable, Sendable, Codable {
    public var id: UInt32
    public var server: String

    public init(id: UInt32, server: String) {
        self.id = id
        self.server = server
    }
}
