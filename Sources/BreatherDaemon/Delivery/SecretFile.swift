import BreatherCore
import Foundation

/// Reads a secret (a token, or a URL that embeds a key) at send time, so a changed secret
/// needs no restart, and refuses a file that others may read.
enum SecretFile {
    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ path: String) throws(SecretFile.Error) -> String {
        switch SecretFileMode(path: path) {
        case .private:
            break
        case .unreadable(let error):
            throw Error(description: "The secret file \(path) cannot be read: \(error.systemText).")
        case .openToOthers:
            throw Error(
                description:
                    "The secret file \(path) may be read by other users; make it private with `chmod 600 \(path)`.")
        }
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(path)
        } catch {
            throw Error(description: error.description)
        }
        let text = String(decoding: bytes ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw Error(description: "The secret file \(path) is empty.")
        }
        return text
    }
}
