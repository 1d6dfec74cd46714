import BreatherDesktopBus

/// The names and message shapes of the freedesktop notification specification
/// (`org.freedesktop.Notifications`, version 1.2).
enum NotificationsAPI {
    static let busName = NotificationServer.busName
    static let path = NotificationServer.path
    static let interface = NotificationServer.interface

    /// The capability that says the server shows buttons.
    static let actionsCapability = "actions"
    /// The capability that says the server reads the body as markup, where `&`, `<` and `>`
    /// must be escaped or text is lost ("I love you <3" would lose everything after "<").
    static let bodyMarkupCapability = "body-markup"

    /// `ActionInvoked(u id, s action_key)`. Servers broadcast it, so every client sees every
    /// app's buttons: the handler matches the id against the ids it was given.
    static let actionInvokedRule = signalRule("ActionInvoked")
    /// `NotificationClosed(u id, u reason)`: 1 expired, 2 dismissed, 3 closed by a call, 4 other.
    static let notificationClosedRule = signalRule("NotificationClosed")
    /// The server starting, stopping or being replaced: what it can do may change.
    static let ownerChangedRule =
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='\(busName)'"

    /// Only the notification server's own signals: any client on the session bus may emit a
    /// signal with these names, and a button press ends a break and tells the partner.
    private static func signalRule(_ member: String) -> String {
        "type='signal',sender='\(busName)',path='\(path)',interface='\(interface)',member='\(member)'"
    }

    /// `GetCapabilities() → as`.
    static func capabilitiesCall(on bus: SDBus) throws(SDBusFailure) -> SDBusMessage {
        try bus.methodCall(destination: busName, path: path, interface: interface, member: "GetCapabilities")
    }

    /// `CloseNotification(u id)`.
    /// Sent to the server's unique name (`:1.42`), never the well-known one: if that server
    /// has gone in the meantime, the call fails instead of reaching its successor, whose
    /// notification with the same id may be another program's.
    static func closeCall(_ id: UInt32, to server: String, on bus: SDBus) throws(SDBusFailure) -> SDBusMessage {
        let message = try bus.methodCall(
            destination: server, path: path, interface: interface, member: "CloseNotification")
        try message.append(id)
        return message
    }

    /// `Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions,
    /// a{sv} hints, i expire_timeout) → u id`, with the urgency as hint `urgency` of type `y`.
    /// Actions go out only when the server listed `actions`; the body is escaped when it
    /// listed `body-markup`. `replacesId` is 0 unless the notification to replace is known
    /// to be this server's.
    /// A replacement (`replacesId` not 0) goes to `server`, the unique name of the server that
    /// gave the id, for the reason `closeCall` gives; a new notification to the well-known name.
    static func notifyCall(
        _ notification: DesktopNotification, replacesId: UInt32, to server: String?, capabilities: Set<String>,
        on bus: SDBus
    ) throws(SDBusFailure) -> SDBusMessage {
        let withActions = capabilities.contains(actionsCapability)
        let body = capabilities.contains(bodyMarkupCapability) ? escapeMarkup(notification.body) : notification.body
        let destination = replacesId != 0 ? (server ?? busName) : busName
        let message = try bus.methodCall(destination: destination, path: path, interface: interface, member: "Notify")
        try message.append(notification.appName)
        try message.append(replacesId)
        try message.append(notification.icon)
        try message.append(notification.summary)
        try message.append(body)
        try message.container("a", "s") { () throws(SDBusFailure) in
            guard withActions else { return }
            for action in notification.actions {
                try message.append(action.key)
                try message.append(action.label)
            }
        }
        try message.container("a", "{sv}") { () throws(SDBusFailure) in
            try message.container("e", "sv") { () throws(SDBusFailure) in
                try message.append("urgency")
                try message.container("v", "y") { () throws(SDBusFailure) in
                    try message.append(notification.urgency.rawValue)
                }
            }
        }
        try message.append(notification.expireTimeout)
        return message
    }

    /// The specification's body markup is a small XML subset: `&`, `<` and `>` escaped as
    /// entities show as themselves on every server that reads markup.
    static func escapeMarkup(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// The unique bus name within a server key (`<bus id>/<unique name>`).
    static func uniqueName(ofServer server: String) -> String? {
        guard let slash = server.firstIndex(of: "/") else { return nil }
        let name = server[server.index(after: slash)...]
        return name.hasPrefix(":") ? String(name) : nil
    }
}
