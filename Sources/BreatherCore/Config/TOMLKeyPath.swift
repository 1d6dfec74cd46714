/// One step on the way to a value in a TOML document: a key in a table, or a position
/// (0-based) in an array, such as the third `[[reminder]]`.
enum TOMLPathComponent: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)

    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

/// Where a value sits in a TOML document: `["reminder", 2, "offset"]`.
typealias TOMLKeyPath = [TOMLPathComponent]

extension Array where Element == TOMLPathComponent {
    /// The path as a person writes it in a message: `channels.alex.url`, `reminder.offset`.
    /// Array positions are left out (the line number tells which one); keys that are not
    /// bare TOML keys are quoted.
    var displayName: String {
        compactMap { component -> String? in
            guard case .key(let key) = component else { return nil }
            return TOMLKeyText.display(key)
        }.joined(separator: ".")
    }
}

enum TOMLKeyText {
    /// Whether `key` may be written bare: `A-Za-z0-9_-`, at least one character.
    static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy(isBareScalar)
    }

    static func isBareScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    /// The key as TOML would have it: bare when it can be, quoted otherwise.
    static func display(_ key: String) -> String {
        isBare(key) ? key : quoted(key)
    }

    /// A string in double quotes, with quotes, backslashes and control characters escaped,
    /// cut short when it is long.
    static func quoted(_ text: String, limit: Int = 60) -> String {
        guard text.count > limit else { return TOMLText.basicString(text) }
        return String(TOMLText.basicString(String(text.prefix(limit))).dropLast()) + "…\""
    }
}
