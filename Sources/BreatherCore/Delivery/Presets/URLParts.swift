import Foundation

/// The few pieces of a URL the presets need, without echoing the URL anywhere (it may hold
/// a key): origin (`https://host:port`), path without query, the query's pairs.
struct URLParts {
    var origin: String
    var basePath: String
    var query: [String: String]

    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let afterScheme = url[schemeEnd.upperBound...]
        let pathStart = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        origin = String(url[..<pathStart])
        let rest = url[pathStart...]
        let queryStart = rest.firstIndex(of: "?")
        basePath = String(rest[..<(queryStart ?? rest.endIndex)])
        if basePath.isEmpty { basePath = "/" }
        query = [:]
        if let queryStart {
            for pair in rest[rest.index(after: queryStart)...].split(separator: "&") {
                let halves = pair.split(separator: "=", maxSplits: 1)
                query[String(halves[0])] = halves.count > 1 ? String(halves[1]) : ""
            }
        }
    }

    /// The last path segment (an ntfy topic), and the path before it.
    var lastPathComponent: String? {
        basePath.split(separator: "/").last.map(String.init)
    }

    /// For ntfy: the path up to and including the slash before the topic.
    var parentPath: String {
        guard let slash = basePath.dropLast(basePath.hasSuffix("/") ? 1 : 0).lastIndex(of: "/") else { return "/" }
        return String(basePath[...slash])
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let allowed =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            out += allowed ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }
        return out
    }
}
