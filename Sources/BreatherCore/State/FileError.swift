/// A file operation that failed, with the path and the system's reason in one sentence.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        case open, write, sync, rename, read, createDirectory
    }

    public var code: Code
    public var path: String
    public var errno: Int32

    public init(code: Code, path: String, errno: Int32) {
        self.code = code
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let verb: String
        switch code {
        case .open: verb = "open"
        case .write: verb = "write"
        case .sync: verb = "flush to disk"
        case .rename: verb = "replace"
        case .read: verb = "read"
        case .createDirectory: verb = "create the folder"
        }
        return "Could not \(verb) \(path): \(Errno(errno))."
    }
}
