import BreatherCore

#if canImport(Glibc)
    import Glibc
#endif

/// The socket calls the control server needs, over the system layer (`SystemCall`,
/// `UnixSocketAddress`, `OwnedDescriptor`): each retries on EINTR and reports failure as a
/// `SocketError`.
enum UnixSocket {
    /// The address for `path`, or `.pathTooLong` when `sun_path` cannot hold it.
    static func address(_ path: String) throws(SocketError) -> UnixSocketAddress {
        do {
            return try UnixSocketAddress(path: path)
        } catch {
            throw SocketError(code: .pathTooLong, path: path, errno: ENAMETOOLONG)
        }
    }

    /// Binds and listens at `path` with mode 0600. A stale socket file left by a daemon that
    /// died is replaced; one that still answers means another daemon runs.
    static func listen(at path: String) throws(SocketError) -> Int32 {
        let address = try address(path)
        if isAnswering(address) { throw SocketError(code: .alreadyRunning, path: path, errno: EADDRINUSE) }
        unlink(path)
        let socket: OwnedDescriptor
        do {
            socket = try UnixSocketAddress.streamSocket()
        } catch {
            throw SocketError(code: .socket, path: path, errno: error.rawValue)
        }
        // umask rather than a chmod after bind: there is no moment at which others may connect.
        let previous = umask(0o177)
        let bound = Result { () throws(Errno) in try address.bind(socket.rawValue) }
        umask(previous)
        if case .failure(let error) = bound {
            throw SocketError(code: .bind, path: path, errno: error.rawValue)
        }
        chmod(path, 0o600)
        // SOMAXCONN, as systemd's socket unit uses: a burst of clients (a script, completions,
        // `status --watch` in several terminals) waits in the queue instead of being refused.
        if case .failure(let error) = SystemCall.valueOrErrno({ Glibc.listen(socket.rawValue, SOMAXCONN) }) {
            throw SocketError(code: .listen, path: path, errno: error.rawValue)
        }
        setNonBlocking(socket.rawValue)
        return socket.release()
    }

    /// Whether something accepts connections at `address` now.
    static func isAnswering(_ address: UnixSocketAddress) -> Bool {
        guard let socket = try? UnixSocketAddress.streamSocket() else { return false }
        return (try? address.connect(socket.rawValue)) != nil
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Accepts one pending connection; nil when none is waiting.
    static func accept(_ listener: Int32) -> Int32? {
        while true {
            switch SystemCall.valueOrErrno({ Glibc.accept(listener, nil, nil) }) {
            case .success(let fd):
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                setNonBlocking(fd)
                return fd
            case .failure(Errno(ECONNABORTED)):
                continue
            case .failure:
                return nil
            }
        }
    }

    /// The uid of the process at the other end (SO_PEERCRED).
    ///
    /// `struct ucred` needs `_GNU_SOURCE`, which Swift's Glibc module does not define; its
    /// layout (pid, uid, gid: three 32-bit values) is fixed by the Linux ABI.
    static func peerUID(_ fd: Int32) -> uid_t? {
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            length == socklen_t(MemoryLayout.size(ofValue: credentials))
        else { return nil }
        return credentials.uid
    }

    /// Writes everything to a non-blocking socket, waiting for room when its buffer is full
    /// (a large status answer), for at most `timeoutSeconds` in all; false if the peer went
    /// away or did not read in time.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], timeoutSeconds: Int = 10) -> Bool {
        var offset = 0
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        deadline.tv_sec += timeoutSeconds
        while offset < bytes.count {
            let sent = SystemCall.valueOrErrno {
                bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            }
            switch sent {
            case .success(let count):
                offset += count
                continue
            case .failure(.wouldBlock):
                break
            case .failure:
                return false
            }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1_000_000
            guard left > 0 else { return false }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            // Interrupted: back to the send, with the time left measured again.
            let polled = SystemCall.valueOrErrno(retryOnInterrupt: false) { poll(&waiting, 1, Int32(left)) }
            if case .failure(let error) = polled, error != .interrupted { return false }
        }
        return true
    }
}
