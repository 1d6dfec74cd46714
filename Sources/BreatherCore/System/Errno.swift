#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A C library error number, and the one place its words are looked up.
///
/// `systemText` is what `strerror` says ("No such file or directory"), for messages that end
/// in it after a colon; `description` starts lower-case ("no such file or directory"), to sit
/// inside a sentence.
public struct Errno: Error, Hashable, Sendable, RawRepresentable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// The calling thread's `errno`, read now: call it right after the failed call.
    public static var current: Errno {
        Errno(errno)
    }

    /// The C library's words, as it writes them.
    public var systemText: String {
        guard let text = strerror(rawValue) else { return "error \(rawValue)" }
        return String(cString: text)
    }

    /// The C library's words with a lower-case first letter.
    public var description: String {
        let text = systemText
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    public static let interrupted = Errno(EINTR)
    public static let wouldBlock = Errno(EAGAIN)
    public static let noSuchFile = Errno(ENOENT)
    public static let exists = Errno(EEXIST)
    public static let nameTooLong = Errno(ENAMETOOLONG)
}
