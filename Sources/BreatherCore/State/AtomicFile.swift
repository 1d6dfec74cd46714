#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file so that a crash at any moment leaves either the old or the new contents:
/// a temporary file beside it, fsync, rename over the old one, fsync of the folder.
public enum AtomicFile {
    /// Throws while the old contents are still in force. Once the rename has happened the new
    /// contents are what a reader (and the next start) sees, so a folder fsync that fails
    /// then is no "not written": it is returned instead, for a warning that a power cut could
    /// still undo the rename.
    @discardableResult
    public static func write(
        _ bytes: [UInt8], to path: String, mode: mode_t = 0o600
    ) throws(FileError) -> FileError? {
        let temporary = path + ".tmp"
        let fd = try retrying(.open, path: temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        }
        do throws(FileError) {
            try writeAll(fd, bytes, path: temporary)
            try retrying(.sync, path: temporary) { fsync(fd) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError(code: .rename, path: path, errno: code)
        }
        do {
            try syncDirectory(of: path)
        } catch {
            return error
        }
        return nil
    }

    /// Appends one record to a log-like file and flushes it to disk. A last line cut short by
    /// a crash is ended first, so the new record is not glued onto it.
    public static func append(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(FileError) {
        let fd = try retrying(.open, path: path) { open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, mode) }
        defer { close(fd) }
        var info = stat()
        var last: UInt8 = 10
        if fstat(fd, &info) == 0, info.st_size > 0, pread(fd, &last, 1, info.st_size - 1) == 1, last != 10 {
            try writeAll(fd, [10] + bytes, path: path)
        } else {
            try writeAll(fd, bytes, path: path)
        }
        try retrying(.sync, path: path) { fsync(fd) }
    }

    /// Reads a whole file; nil when it does not exist.
    public static func read(_ path: String) throws(FileError) -> [UInt8]? {
        let fd: Int32
        switch SystemCall.valueOrErrno({ open(path, O_RDONLY | O_CLOEXEC) }) {
        case .success(let opened): fd = opened
        case .failure(.noSuchFile): return nil
        case .failure(let error): throw FileError(code: .read, path: path, errno: error.rawValue)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try retrying(.read, path: path) {
                buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<Int(count)])
        }
    }

    /// Creates a folder and its parents with `mode` where missing.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if case .failure(let error) = SystemCall.valueOrErrno({ mkdir(current, mode) }), error != .exists {
                throw FileError(code: .createDirectory, path: current, errno: error.rawValue)
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let written = try retrying(.write, path: path) {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += Int(written)
        }
    }

    private static func syncDirectory(of path: String) throws(FileError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let fd = try retrying(.sync, path: directory) {
            open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        defer { close(fd) }
        try retrying(.sync, path: directory) { fsync(fd) }
    }

    /// Runs a system call again while it is interrupted; turns -1 into a `FileError`.
    @discardableResult
    private static func retrying<T: FixedWidthInteger>(
        _ code: FileError.Code, path: String, _ call: () -> T
    ) throws(FileError) -> T {
        switch SystemCall.valueOrErrno(call) {
        case .success(let value): return value
        case .failure(let error): throw FileError(code: code, path: path, errno: error.rawValue)
        }
    }
}
