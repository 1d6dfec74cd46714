#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The rule for a file that holds a secret (a token, or a URL with a key in it): only its
/// owner may have any access, so no group or other permission bit is set. The daemon checks
/// it before it reads a secret, and `breather doctor` with the same rule.
public enum SecretFileMode: Hashable, Sendable {
    /// The file is there and open to its owner only.
    case `private`
    /// The group or others have some access; the mode's permission bits are given.
    case openToOthers(mode: UInt32)
    /// `stat` failed, for this reason.
    case unreadable(Errno)

    /// The permission bits that must all be clear.
    public static let forbiddenBits: UInt32 = 0o077

    /// Whether `mode` (from `stat`) keeps a secret private.
    public static func isPrivate(_ mode: UInt32) -> Bool {
        mode & forbiddenBits == 0
    }

    /// Looks at the file at `path` (following a symbolic link, as reading it does).
    public init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            self = .unreadable(.current)
            return
        }
        let mode = UInt32(info.st_mode) & 0o7777
        self = SecretFileMode.isPrivate(mode) ? .private : .openToOthers(mode: mode)
    }
}
