/// journald's rules for field names: `[A-Z0-9_]+`, not starting with `_` (reserved for
/// trusted fields) or a digit, at most 64 bytes. journald drops any other field silently.
public enum JournalFieldName {
    public static let maximumLength = 64

    /// True when journald will keep a field with this name.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maximumLength else { return false }
        guard first != UInt8(ascii: "_"), !isDigit(first) else { return false }
        return bytes.allSatisfy { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// The journal field for a log metadata key: uppercased, every character outside
    /// `[A-Z0-9_]` replaced by `_`, prefixed (`break_id` → `BREATHER_BREAK_ID`), and cut to
    /// 64 bytes. The prefix must itself start a valid name.
    public static func sanitize(_ key: String, prefix: String = "BREATHER_") -> String {
        var name = prefix
        for scalar in key.unicodeScalars {
            switch scalar {
            case "A"..."Z", "0"..."9", "_": name.unicodeScalars.append(scalar)
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x20)!)
            default: name.unicodeScalars.append("_")
            }
        }
        return String(name.utf8.prefix(maximumLength))!
    }

    private static func isUpper(_ byte: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
