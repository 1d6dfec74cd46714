import Foundation

/// Writes one JSON object with keys in the order they are added (golden-testable bodies).
struct JSONObjectWriter {
    private var text = "{"

    mutating func add(_ key: String, string value: String?) {
        add(key, raw: value.map(JSONObjectWriter.quote) ?? "null")
    }

    mutating func add(_ key: String, raw value: String) {
        if text.count > 1 { text += ", " }
        text += JSONObjectWriter.quote(key) + ": " + value
    }

    func finish() -> String { text + "}" }

    static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
