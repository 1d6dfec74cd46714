/// A one-off look at the notification server, for `breather doctor`: is one running on the
/// session bus, and does it show buttons? This blocks for at most `timeout`; the daemon never
/// uses it (it asks asynchronously, in `DesktopNotifier`).
public enum NotificationServer {
    public static func capabilities(timeout: Duration = .seconds(3)) -> Result<[String], DesktopError> {
        do throws(SDBusFailure) {
            let bus = try SDBus.openUser()
            defer { bus.close() }
            let call = try NotificationsAPI.capabilitiesCall(on: bus)
            return .success(
                try bus.callAndWait(call, timeout: timeout) { reader throws(SDBusFailure) in
                    try reader.readStringArray()
                })
        } catch {
            if case .failed(_, let errno) = error, errno != 0 {
                return .failure(
                    .noSessionBus(
                        errno: errno,
                        address: NotificationServer.environment("DBUS_SESSION_BUS_ADDRESS"),
                        runtimeDirectory: NotificationServer.environment("XDG_RUNTIME_DIR")
                    ))
            }
            return .failure(.from(error, timeout: timeout))
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
