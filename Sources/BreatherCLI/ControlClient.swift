import BreatherCore
import Foundation
import Glibc

/// Why breather could not get an answer from breatherd, in whole sentences a person can act on.
public struct ControlClientError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// `XDG_RUNTIME_DIR` is not set, so the socket has no place.
        case noRuntimeDirectory
        /// No socket at the path, or nobody listening on it.
        case notRunning
        /// The socket path does not fit in `sockaddr_un.sun_path`.
        case socketPathTooLong
        /// The socket exists but this user may not use it.
        case permissionDenied
        /// breatherd did not answer in time.
        case timedOut
        /// Another failure of the connection, the sending or the receiving.
        case connectionFailed
        /// breatherd closed the connection without a line.
        case noAnswer
        /// The answer was not a `ControlResponse`, or was far too long.
        case unreadableAnswer
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static let startAdvice = "Start it with `systemctl --user start breather`, or run `breatherd` in a terminal."

    /// breatherd stopped between reading a command and answering it: the change may or may
    /// not have been saved, and only a fresh look can tell.
    static let interruptedSentence =
        "breatherd stopped before it answered, so the command may or may not have taken effect; `breather status` shows what is running now (and `journalctl --user -u breather` why it stopped)."

    static func noRuntimeDirectory() -> ControlClientError {
        ControlClientError(
            code: .noRuntimeDirectory,
            message:
                "XDG_RUNTIME_DIR is not set, so breather cannot find breatherd's socket. Start breatherd with `systemctl --user start breather`, or run `breatherd` in a terminal, in a session where XDG_RUNTIME_DIR is set."
        )
    }

    static func notRunning(_ path: String) -> ControlClientError {
        ControlClientError(
            code: .notRunning, message: "breatherd is not running (no socket at \(path)). \(startAdvice)")
    }
}

/// Sends one `ControlRequest` to breatherd over its Unix socket and reads the one-line answer.
///
/// The protocol: connect, write the request as one line of JSON, read one line back (a
/// `ControlResponse`), close. Every wait is bounded by `timeout`.
public struct ControlClient: Sendable {
    /// The socket, or nil when `XDG_RUNTIME_DIR` is not set.
    public var socketPath: String?
    /// The longest the whole exchange may take, in seconds.
    public var timeout: TimeInterval

    /// The longest answer accepted. A status with many retrying deliveries is still far smaller.
    static let maximumAnswerBytes = 4 * 1024 * 1024

    public init(socketPath: String?, timeout: TimeInterval = 10) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    public init(paths: Paths, timeout: TimeInterval = 10) {
        self.init(socketPath: paths.socketPath, timeout: timeout)
    }

    public func send(_ request: ControlRequest) throws(ControlClientError) -> ControlResponse {
        guard socketPath != nil else { throw .noRuntimeDirectory() }
        let json: [UInt8]
        do {
            json = Array(try BreatherJSON.encoder().encode(request))
        } catch {
            throw ControlClientError(code: .connectionFailed, message: "breather could not write its request as JSON.")
        }
        return try send(json: json)
    }

    /// Sends a request already written as one line of JSON (without its newline).
    func send(json: [UInt8]) throws(ControlClientError) -> ControlResponse {
        guard let path = socketPath else { throw .noRuntimeDirectory() }
        let line = json + [UInt8(ascii: "\n")]
        let deadline = Date().addingTimeInterval(timeout)
        let socket = try Connection(path: path, deadline: deadline, timeout: timeout)
        defer { socket.close() }
        try socket.write(line)
        let answer = try socket.readLine(limit: ControlClient.maximumAnswerBytes)
        // Codable's first use costs a short-lived command more than the rest of its work;
        // the hand-written reader gives the same value, and leaves anything unusual to it.
        if let response = ControlResponseReader.read(answer) { return response }
        do {
            return try BreatherJSON.decoder().decode(ControlResponse.self, from: Data(answer))
        } catch {
            throw ControlClientError(
                code: .unreadableAnswer,
                message: "breatherd answered in a form this breather cannot read; the two may be different versions."
            )
        }
    }
}

/// One connected socket, with every call retried on `EINTR` and bounded by a deadline.
private struct Connection {
    let socket: OwnedDescriptor
    let path: String
    let deadline: Date
    let timeout: TimeInterval

    var fd: Int32 { socket.rawValue }

    init(path: String, deadline: Date, timeout: TimeInterval) throws(ControlClientError) {
        self.path = path
        self.deadline = deadline
        self.timeout = timeout

        let address: UnixSocketAddress
        do {
            address = try UnixSocketAddress(path: path)
        } catch {
            throw ControlClientError(
                code: .socketPathTooLong,
                message: "The socket path \(path) is longer than a Unix socket allows (\(error.maximum) bytes); "
                    + "set XDG_RUNTIME_DIR to a shorter folder."
            )
        }
        do {
            socket = try UnixSocketAddress.streamSocket()
        } catch {
            throw Connection.failure(path, error.rawValue)
        }

        // SO_SNDTIMEO also bounds connect() on a Unix socket whose backlog is full.
        do throws(ControlClientError) {
            try setTimeout(SO_SNDTIMEO)
            try setTimeout(SO_RCVTIMEO)
            do {
                try address.connect(fd)
            } catch {
                // EISCONN: a connect interrupted and retried had already got through.
                if error != Errno(EISCONN) { throw Connection.failure(path, error.rawValue, timeout: timeout) }
            }
        } catch {
            socket.close()
            throw error
        }
    }

    func close() {
        socket.close()
    }

    /// Sets a send or receive timeout to what is left until the deadline.
    private func setTimeout(_ option: Int32) throws(ControlClientError) {
        let left = deadline.timeIntervalSinceNow
        guard left > 0 else { throw timedOut() }
        let whole = Int(left)
        let micros = Int((left - Double(whole)) * 1_000_000)
        // A zero timeval would mean "wait forever".
        var value = timeval(tv_sec: whole, tv_usec: whole == 0 ? max(micros, 1000) : micros)
        let result = SystemCall.valueOrErrno {
            Glibc.setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
        }
        if case .failure(let error) = result { throw Connection.failure(path, error.rawValue) }
    }

    /// Writes every byte, continuing after short writes and interruptions (an interrupted
    /// send starts again with the timeout set to what is left).
    func write(_ bytes: [UInt8]) throws(ControlClientError) {
        var sent = 0
        while sent < bytes.count {
            try setTimeout(SO_SNDTIMEO)
            let result = SystemCall.valueOrErrno(retryOnInterrupt: false) {
                bytes.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                }
            }
            switch result {
            case .success(let count): sent += count
            case .failure(.interrupted): continue
            case .failure(let error): throw Connection.failure(path, error.rawValue, timeout: timeout)
            }
        }
    }

    /// Reads up to the first newline (or the end of the stream) and returns the line without it.
    func readLine(limit: Int) throws(ControlClientError) -> [UInt8] {
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try setTimeout(SO_RCVTIMEO)
            let result = SystemCall.valueOrErrno(retryOnInterrupt: false) {
                buffer.withUnsafeMutableBytes { raw in
                    Glibc.recv(fd, raw.baseAddress!, raw.count, 0)
                }
            }
            let count: Int
            switch result {
            case .success(let value): count = value
            case .failure(.interrupted): continue
            case .failure(let error): throw Connection.failure(path, error.rawValue, timeout: timeout)
            }
            if count == 0 { break }
            let chunk = buffer[0..<count]
            if let newline = chunk.firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: chunk[..<newline])
                return line
            }
            line.append(contentsOf: chunk)
            guard line.count <= limit else {
                throw ControlClientError(
                    code: .unreadableAnswer,
                    message:
                        "breatherd sent an answer far longer than any it should; the two may be different versions."
                )
            }
        }
        guard !line.isEmpty else {
            throw ControlClientError(
                code: .noAnswer,
                message: ControlClientError.interruptedSentence
            )
        }
        return line
    }

    private func timedOut() -> ControlClientError {
        Connection.failure(path, EAGAIN, timeout: timeout)
    }

    /// The sentence for a failed system call on the socket.
    static func failure(_ path: String, _ code: Int32, timeout: TimeInterval = 10) -> ControlClientError {
        switch code {
        case ENOENT, ECONNREFUSED, ENOTDIR:
            return .notRunning(path)
        case EACCES, EPERM:
            return ControlClientError(
                code: .permissionDenied,
                message:
                    "breather may not use the socket at \(path); it belongs to another user or its folder is closed to you."
            )
        case EAGAIN, ETIMEDOUT:
            return ControlClientError(
                code: .timedOut,
                message:
                    "breatherd did not answer within \(TimeInWords.count(Int(timeout.rounded()), "second")); it may be busy, so try again in a moment, or restart it with `systemctl --user restart breather`."
            )
        case EPIPE, ECONNRESET:
            return ControlClientError(
                code: .noAnswer,
                message: ControlClientError.interruptedSentence
            )
        default:
            return ControlClientError(
                code: .connectionFailed,
                message: "breather could not talk to breatherd at \(path) (\(Errno(code)))."
            )
        }
    }
}
