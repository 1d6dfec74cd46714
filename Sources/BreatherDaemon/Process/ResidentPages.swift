import Glibc
import Synchronization

/// Lets go of the program's code pages that an idle daemon does not use.
///
/// Starting and answering a command runs through a good part of the statically linked Swift
/// runtime, Foundation and the libraries (libcurl's TLS stack among them), and every code
/// page touched stays mapped (counted in RSS) although an idle daemon only sleeps and pets
/// the watchdog. This drops the mappings of pages that are read-only copies of files
/// (`MADV_DONTNEED` on private, non-writable, file-backed mappings that hold no anonymous,
/// written page): the pages stay in the page cache, and whatever is needed again is mapped
/// back on its next use by a minor fault, from the same file, with the same bytes.
///
/// What is never touched: writable mappings (the heap, stacks, data), and any read-only
/// mapping with a page this process wrote to (a relocated `RELRO` page), whose contents
/// would otherwise revert to the file's.
enum ResidentPages {
    /// The mappings seen at the first release, made when breatherd has started: the program
    /// and the libraries it was linked with, which stay at their addresses until it exits.
    /// Only these are released later, so that a mapping that comes and goes meanwhile (a
    /// library loaded and unloaded, a file mapped by another thread) is never touched.
    private static let lasting = Mutex<Set<Range<UInt>>?>(nil)

    /// Drops the mappings as above; returns how many bytes were resident in them.
    @discardableResult
    static func release() -> Int {
        guard let smaps = readFile("/proc/self/smaps") else { return 0 }
        let mappings = Mapping.parse(smaps)
        let allowed = lasting.withLock { kept in
            if kept == nil { kept = Set(mappings.filter(\.isCleanFileCopy).map(\.range)) }
            return kept!
        }
        var released = 0
        for mapping in mappings
        where mapping.isCleanFileCopy && mapping.residentKiB > 0 && allowed.contains(mapping.range) {
            let start = UnsafeMutableRawPointer(bitPattern: mapping.start)
            if madvise(start, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                released += mapping.residentKiB * 1024
            }
        }
        return released
    }

    /// One mapping of /proc/self/smaps, with the two counts that matter here.
    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
        var permissions: String
        var path: String
        var residentKiB = 0
        var anonymousKiB = 0

        var range: Range<UInt> { start..<end }

        /// Read-only (or read-and-execute), private, from a file, and never written to.
        var isCleanFileCopy: Bool {
            let flags = Array(permissions.utf8)
            return flags.count == 4 && flags[1] == UInt8(ascii: "-") && flags[3] == UInt8(ascii: "p")
                && path.hasPrefix("/") && anonymousKiB == 0
        }

        /// The mappings in the text of /proc/PID/smaps.
        static func parse(_ text: String) -> [Mapping] {
            var mappings: [Mapping] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard let first = fields.first else { continue }
                if first.hasSuffix(":") {
                    guard !mappings.isEmpty, fields.count >= 2, let value = Int(fields[1]) else { continue }
                    switch first {
                    case "Rss:": mappings[mappings.count - 1].residentKiB = value
                    case "Anonymous:": mappings[mappings.count - 1].anonymousKiB = value
                    default: break
                    }
                    continue
                }
                // A header: `start-end perms offset dev inode [path]`.
                let bounds = first.split(separator: "-")
                guard fields.count >= 5, bounds.count == 2, let start = UInt(bounds[0], radix: 16),
                    let end = UInt(bounds[1], radix: 16), end > start
                else { continue }
                let path = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
                mappings.append(Mapping(start: start, end: end, permissions: String(fields[1]), path: path))
            }
            return mappings
        }
    }

    /// A /proc file whole (its size is not known in advance), or nil when it cannot be read.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
