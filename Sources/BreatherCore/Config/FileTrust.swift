#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a config or plan file may be trusted: like ssh with its keys, Breather refuses a
/// file that another user owns or may change, because its words go to a partner in the
/// person's name. A symlink is judged by the file it points to (dotfile managers use them).
enum FileTrust {
    /// Why the file at `path` is not to be trusted, finishing "this file …"; nil when it is
    /// fine or cannot be examined (reading it will then say what is wrong).
    static func problem(_ path: String, owner: uid_t = getuid()) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if info.st_uid != owner && info.st_uid != 0 {
            return
                "belongs to another user (uid \(info.st_uid)), so Breather will not use it; it must be yours, as it speaks in your name."
        }
        let mode = info.st_mode & 0o777
        if mode & 0o022 != 0 {
            return
                "may be changed by other users (mode \(String(mode, radix: 8))), so Breather will not use it; run `chmod go-w \(path)`."
        }
        return nil
    }
}
