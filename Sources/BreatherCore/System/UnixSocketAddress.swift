#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The address of a Unix-domain socket: a path in the file system, or (with a leading `@`)
/// a Linux abstract name. The one place that fills a `sockaddr_un`; a path that does not fit
/// in `sun_path` is refused here, before any call is made with it.
public struct UnixSocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// A path or name longer than `sun_path` can hold (with its terminating NUL).
    public struct PathTooLong: Error, Hashable, Sendable, CustomStringConvertible {
        public var path: String

        public init(path: String) {
            self.path = path
        }

        /// The most bytes a path may have: 107 on Linux.
        public var maximum: Int { UnixSocketAddress.maximumPathBytes }

        public var description: String {
            "The socket path \(path) is longer than a Unix socket address allows (\(maximum) bytes)."
        }
    }

    /// The longest path `sun_path` holds, leaving room for the terminating NUL.
    public static let maximumPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// The path as given: `@name` for an abstract name.
    public let path: String
    /// What goes into `sun_path`: the path's bytes, or a NUL and the name for an abstract one.
    private let bytes: [UInt8]
    public let isAbstract: Bool

    /// An address in the file system at `path`.
    public init(path: String) throws(PathTooLong) {
        try self.init(path, bytes: Array(path.utf8), isAbstract: false)
    }

    /// `path` as `breather doctor` and D-Bus addresses write it: a leading `@` names an abstract
    /// socket, anything else is a path.
    public init(pathOrAbstractName path: String) throws(PathTooLong) {
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        try self.init(path, bytes: bytes, isAbstract: abstract)
    }

    private init(_ path: String, bytes: [UInt8], isAbstract: Bool) throws(PathTooLong) {
        guard bytes.count <= UnixSocketAddress.maximumPathBytes else { throw PathTooLong(path: path) }
        self.path = path
        self.bytes = bytes
        self.isAbstract = isAbstract
    }

    public var description: String { path }

    /// Runs `body` with the filled `sockaddr_un` and its length: the whole structure for a
    /// path, the family and the name's bytes only for an abstract name (whose bytes all count).
    public func withSockAddr<Result, Failure: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length =
            isAbstract
            ? socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
            : socklen_t(MemoryLayout<sockaddr_un>.size)
        return try withUnsafePointer(to: &address) { (pointer) throws(Failure) -> Result in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Failure) -> Result in
                try body(raw, length)
            }
        }
    }

    /// `bind(2)`s `fd` to this address.
    public func bind(_ fd: Int32) throws(Errno) {
        _ = try withSockAddr { (address, length) throws(Errno) in
            try SystemCall.retryingOnInterrupt {
                #if canImport(Glibc)
                    Glibc.bind(fd, address, length)
                #else
                    Darwin.bind(fd, address, length)
                #endif
            }
        }
    }

    /// `connect(2)`s `fd` to this address, again when a signal interrupts it.
    public func connect(_ fd: Int32) throws(Errno) {
        _ = try withSockAddr { (address, length) throws(Errno) in
            try SystemCall.retryingOnInterrupt {
                #if canImport(Glibc)
                    Glibc.connect(fd, address, length)
                #else
                    Darwin.connect(fd, address, length)
                #endif
            }
        }
    }

    /// A new Unix stream socket, close-on-exec, owned by the caller.
    public static func streamSocket() throws(Errno) -> OwnedDescriptor {
        #if canImport(Glibc)
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
            let type = SOCK_STREAM
        #endif
        let fd = try SystemCall.retryingOnInterrupt { socket(AF_UNIX, type, 0) }
        return OwnedDescriptor(fd)
    }
}
