#if canImport(Glibc)
    import Glibc
#endif

/// A one-off look at the notification server, for `breather doctor`: is one running on the
/// session bus, and does it show buttons? This blocks for at most `timeout`; the daemon never
/// uses it (it asks asynchronously, in `DesktopNotifier`).
public enum NotificationServer {
    /// The server's names in the freedesktop notification specification.
    package static let busName = "org.freedesktop.Notifications"
    package static let path = "/org/freedesktop/Notifications"
    package static let interface = "org.freedesktop.Notifications"

    public static func capabilities(timeout: Duration = .seconds(3)) -> Result<[String], DesktopError> {
        let sdBus: LoadedSDBus
        switch LoadedSDBus.load() {
        case .success(let loaded):
            sdBus = loaded
        case .failure(let failure):
            return .failure(
                DesktopError(
                    code: .noSessionBus,
                    message:
                        "Could not load libsystemd to reach the session bus (\(failure.reason)); install the libsystemd0 package."
                ))
        }
        do throws(SDBusFailure) {
            let bus = try sdBus.openUser()
            defer { sdBus.close(bus) }
            return .success(
                try sdBus.callForStrings(
                    on: bus, destination: busName, path: path, interface: interface, member: "GetCapabilities",
                    timeout: timeout))
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
