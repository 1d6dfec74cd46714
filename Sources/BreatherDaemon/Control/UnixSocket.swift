#if canImport(Glibc)
import Glibc
#endif

/// Thin wrappers over the socket calls the control server needs: each retries on EINTR and
/// reports failure as a `SocketError`.
enum UnixSocket {
    /// Fills a `sockaddr_un` for `path` and runs `body` with it.
    static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) throws(SocketError) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw SocketError(code: .pathTooLong, path: path, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Binds and listens at `path` with mode 0600. A stale socket file left by a daemon that
    /// died is replaced; one that still answers means another daemon runs.
    static func listen(at path: String) throws(SocketError) -> Int32 {
        if isAnswering(path) { throw SocketError(code: .alreadyRunning, path: path, errno: EADDRINUSE) }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(code: .socket, path: path, errno: errno) }
        // umask rather than a chmod after bind: there is no moment at which others may connect.
        let previous = umask(0o177)
        let bound = try withAddress(path) { bind(fd, $0, $1) }
        let bindErrno = errno
        umask(previous)
        guard bound == 0 else {
            close(fd)
            throw SocketError(code: .bind, path: path, errno: bindErrno)
        }
        chmod(path, 0o600)
        // SOMAXCONN, as systemd's socket unit uses: a burst of clients (a script, completions,
        // `status --watch` in several terminals) waits in the queue instead of being refused.
        guard Glibc.listen(fd, SOMAXCONN) == 0 else {
            let code = errno
            close(fd)
            throw SocketError(code: .listen, path: path, errno: code)
        }
        setNonBlocking(fd)
        return fd
    }

    /// Whether something accepts connections at `path` now.
    static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let result = (try? withAddress(path) { connect(fd, $0, $1) }) ?? -1
        return result == 0
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Accepts one pending connection; nil when none is waiting.
    static func accept(_ listener: Int32) -> Int32? {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                setNonBlocking(fd)
                return fd
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
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
            let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written >= 0 {
                offset += written
                continue
            }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return false }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1_000_000
            guard left > 0 else { return false }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&waiting, 1, Int32(left)) < 0, errno != EINTR { return false }
        }
        return true
    }
}
