import CSystemd
import Glibc

/// Writes entries to the systemd journal with `sd_journal_sendv`: one `FIELD=value` buffer
/// per field, so values may hold newlines and any bytes.
public enum Journal {
    /// Where journald listens. `sd_journal_sendv` returns 0 even when nothing listens there,
    /// so this, not the return value, decides whether to log to the journal.
    public static let socketPath = "/run/systemd/journal/socket"

    public static var isAvailable: Bool {
        access(socketPath, F_OK) == 0
    }

    /// Sends one entry: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`,
    /// `CODE_FUNC`, then `fields` in order. Every field name must pass
    /// `JournalFieldName.isValid`, or nothing is sent.
    public static func send(
        message: String,
        priority: JournalPriority,
        identifier: String,
        fields: [(name: String, value: String)] = [],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) throws(SystemdError) {
        var all: [(name: String, value: String)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority.rawValue)),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        all.append(contentsOf: fields)
        try sendFields(all)
    }

    /// Sends exactly these fields as one entry.
    public static func sendFields(_ fields: [(name: String, value: String)]) throws(SystemdError) {
        if let bad = fields.first(where: { !JournalFieldName.isValid($0.name) }) {
            throw SystemdError(
                code: .invalidJournalField, errno: EINVAL,
                message:
                    "The journal field name \(bad.name) is not made of A-Z, 0-9 and _ (at most 64, not starting with _ or a digit), so journald would drop it."
            )
        }
        guard !fields.isEmpty else { return }
        // All entries in one buffer, so every iovec points into memory that lives for the call.
        var buffer: [UInt8] = []
        var ranges: [(offset: Int, count: Int)] = []
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append((start, buffer.count - start))
        }
        let result: Int32 = buffer.withUnsafeMutableBytes { bytes in
            var vectors = ranges.map { range in
                iovec(iov_base: bytes.baseAddress! + range.offset, iov_len: range.count)
            }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
        guard result >= 0 else {
            throw SystemdError.fromReturn(result, .journalSendFailed, "Could not write to the systemd journal")
        }
    }
}
