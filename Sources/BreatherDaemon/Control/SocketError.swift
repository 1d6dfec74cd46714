import BreatherCore

/// A socket call that failed: which call, on what, and the system's reason, in one sentence.
struct SocketError: Error, CustomStringConvertible {
    enum Code {
        case socket, bind, listen, accept, pathTooLong, alreadyRunning, directory, notASocket
    }

    var code: Code
    var path: String
    var errno: Int32

    var description: String {
        let reason = Errno(errno).systemText
        switch code {
        case .pathTooLong:
            let tooLong = UnixSocketAddress.PathTooLong(path: path).description.dropLast()
            return "\(tooLong); set XDG_RUNTIME_DIR to a shorter folder."
        case .alreadyRunning:
            return
                "Another breatherd is already answering on \(path); stop it first, or talk to it with `breather status`."
        case .directory:
            return "Could not prepare the socket folder \(path): \(reason)."
        case .notASocket:
            return "The file descriptor passed by systemd is not a listening Unix stream socket."
        case .socket:
            return "Could not create a Unix socket: \(reason)."
        case .bind:
            return "Could not bind the control socket at \(path): \(reason)."
        case .listen:
            return "Could not listen on the control socket at \(path): \(reason)."
        case .accept:
            return "Could not accept a connection on \(path): \(reason)."
        }
    }
}
