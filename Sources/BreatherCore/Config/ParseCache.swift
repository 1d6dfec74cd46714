import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Parsed config files, reused while a file is unchanged.
///
/// TOMLKit never frees what it parses (a few KiB a file), so a daemon reloaded often would
/// grow without end; here a reload parses only the files that changed. A file counts as
/// changed when anything `stat` sees of it does (inode, size, times, owner, mode), so a
/// `chmod` or a symlink pointed elsewhere is judged afresh.
final class ParseCache<Value>: @unchecked Sendable {
    struct Stamp: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64
        var owner: UInt32
        var mode: UInt32

        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
            owner = info.st_uid
            mode = info.st_mode
        }
    }

    private let lock = NSLock()
    private var entries: [String: (stamp: Stamp, context: AnyHashable, value: Value)] = [:]

    /// The value for `path`, parsed again only when the file or `context` (what else the
    /// result depends on, such as the channel names) changed.
    func value(for path: String, context: AnyHashable, parse: () -> Value) -> Value {
        guard let stamp = Stamp(path) else { return parse() }
        if let cached = lock.withLock({ entries[path] }), cached.stamp == stamp, cached.context == context {
            return cached.value
        }
        let value = parse()
        // A file being written right now may change again within the same clock tick;
        // only a stamp that still holds after parsing is worth keeping.
        if Stamp(path) == stamp {
            lock.withLock { entries[path] = (stamp, context, value) }
        }
        return value
    }

    /// Forgets files no longer there, so the cache holds only what the folder holds.
    func keep(only paths: Set<String>) {
        lock.withLock { entries = entries.filter { paths.contains($0.key) } }
    }
}
