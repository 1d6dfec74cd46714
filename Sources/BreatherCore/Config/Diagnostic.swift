/// One problem found in a config or plan file, printed as `file:line: message`.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem is with the file as a whole (missing, unreadable).
    public var line: Int?
    /// One whole sentence.
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
