import CSystemd
import Glibc

/// Sockets the service manager opened for the daemon (socket activation, `LISTEN_FDS`).
public enum ListenFDs {
    /// The first inherited descriptor: `SD_LISTEN_FDS_START`, which is 3.
    public static var start: Int32 { breather_sd_listen_fds_start() }

    /// The inherited descriptors, in order, and unsets `LISTEN_FDS`/`LISTEN_PID`/
    /// `LISTEN_FDNAMES` so child processes do not take them too. Empty when not activated.
    /// libsystemd marks each descriptor close-on-exec.
    public static func take() throws(SystemdError) -> [Int32] {
        let count = sd_listen_fds(1)
        guard count >= 0 else {
            throw SystemdError.fromReturn(
                count, .listenFDsFailed, "Could not read the sockets passed by the service manager")
        }
        return (0..<count).map { start + $0 }
    }

    /// True when `fd` is a Unix-domain stream socket in the listening state.
    public static func isListeningUnixStreamSocket(_ fd: Int32) throws(SystemdError) -> Bool {
        let result = sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0)
        guard result >= 0 else {
            throw SystemdError.fromReturn(result, .socketCheckFailed, "Could not inspect inherited descriptor \(fd)")
        }
        return result > 0
    }
}
