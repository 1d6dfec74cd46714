/// One freedesktop notification, as `org.freedesktop.Notifications.Notify` takes it.
public struct DesktopNotification: Sendable, Hashable {
    /// The `urgency` hint (a byte on the wire). Servers may keep `critical` on screen until
    /// it is dismissed.
    public enum Urgency: UInt8, Sendable, Hashable {
        case low = 0, normal = 1, critical = 2
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
    /// 0 asks for a new notification; another id replaces that notification in place (one
    /// per break, no stacking). The server answers with the id it used.
    public var replacesId: UInt32
    public var summary: String
    /// May hold the simple markup the server supports (`body-markup`).
    public var body: String
    public var urgency: Urgency
    /// Sent only when the server lists the `actions` capability; otherwise the notification
    /// goes out without buttons.
    public var actions: [Action]
    /// Milliseconds on screen; -1 is the server's default, 0 never expires.
    public var expireTimeout: Int32

    public init(
        appName: String = "Breather",
        replacesId: UInt32 = 0,
        summary: String,
        body: String = "",
        urgency: Urgency = .normal,
        actions: [Action] = [],
        expireTimeout: Int32 = -1
    ) {
        self.appName = appName
        self.replacesId = replacesId
        self.summary = summary
        self.body = body
        self.urgency = urgency
        self.actions = actions
        self.expireTimeout = expireTimeout
    }
}
