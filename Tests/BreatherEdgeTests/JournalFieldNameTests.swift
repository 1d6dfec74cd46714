import BreatherSystemd
import Testing

struct JournalFieldNameTests {
    @Test(arguments: [
        ("event", "BREATHER_EVENT"),
        ("plan", "BREATHER_PLAN"),
        ("break_id", "BREATHER_BREAK_ID"),
        ("channel", "BREATHER_CHANNEL"),
        ("delivery_id", "BREATHER_DELIVERY_ID"),
        ("late_seconds", "BREATHER_LATE_SECONDS"),
        ("retry-after", "BREATHER_RETRY_AFTER"),
        ("http.status", "BREATHER_HTTP_STATUS"),
        ("Mixed Case", "BREATHER_MIXED_CASE"),
        ("café", "BREATHER_CAF_"),
        ("straße", "BREATHER_STRA_E"),
        ("_private", "BREATHER__PRIVATE"),
        ("2fa", "BREATHER_2FA"),
        ("", "BREATHER_"),
    ])
    func sanitizesMetadataKeys(key: String, field: String) {
        #expect(JournalFieldName.sanitize(key) == field)
        #expect(JournalFieldName.isValid(field))
    }

    @Test func cutsLongKeysToSixtyFourCharacters() {
        let field = JournalFieldName.sanitize(String(repeating: "k", count: 100))
        #expect(field.utf8.count == 64)
        #expect(field == "BREATHER_" + String(repeating: "K", count: 55))
        #expect(JournalFieldName.isValid(field))
    }

    @Test(arguments: ["MESSAGE", "CODE_LINE", "BREATHER_EVENT", "A", String(repeating: "A", count: 64)])
    func acceptsValidNames(name: String) {
        #expect(JournalFieldName.isValid(name))
    }

    @Test(arguments: ["", "_PID", "1ABC", "lower", "BREATHER-EVENT", "ÉTÉ", String(repeating: "A", count: 65)])
    func rejectsNamesJournaldWouldDrop(name: String) {
        #expect(!JournalFieldName.isValid(name))
    }
}
