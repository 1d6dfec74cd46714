import BreatherCore

/// One freedesktop notification, as `org.freedesktop.Notifications.Notify` takes it.
public struct DesktopNotification: Sendable, Hashable {
    /// The `urgency` hint (a byte on the wire). Servers may keep `critical` on screen until
    /// it is dismissed.
    public enum Urgency: UInt8, Sendable, Hashable {
        case low = 0
        case normal = 1
        case critical = 2
    }

    /// A button. `key` comes back in `ActionInvoked`; the key `default` is, by the
    /// specification, what clicking the notification itself invokes.
    public struct Action: Sendable, Hashable {
        public var key: String
        public var label: String

        public init(key: String, label: String) {
            self.key = key
            self.label = label
        }
    }

    public var appName: String
    /// The notification to replace in place (one per break, no stacking), or nil for a new
    /// one. It is replaced only while the server that showed it is still the one running:
    /// a restarted server numbers from 1 again, and its id may be another program's.
    public var replaces: ShownNotification?
    /// An icon name from the freedesktop icon naming specification.
    public var icon: String
    public var summary: String
    /// Plain text: it is escaped for servers that read markup (`body-markup`).
    public var body: String
    public var urgency: Urgency
    /// Sent only when the server lists the `actions` capability; otherwise the notification
    /// goes out without buttons.
    public var actions: [Action]
    /// Milliseconds on screen; -1 is the server's default, 0 never expires.
    public var expireTimeout: Int32

    public init(
        appName: String = "Breather",
        replaces: ShownNotification? = nil,
        icon: String = "appointment-soon",
        summary: String,
        body: String = "",
        urgency: Urgency = .normal,
        actions: [Action] = [],
        expireTimeout: Int32 = -1
    ) {
        self.appName = appName
        self.replaces = replaces
        self.icon = icon
        self.summary = summary
        self.body = body
        self.urgency = urgency
        self.actions = actions
        self.expireTimeout = expireTimeout
    }
}
