/// What a change promises to write outside `state.json` — history lines and journal lines —
/// saved inside the same atomic write as the change itself.
///
/// Why here and not written first: a history line written before the save would record a
/// `back` that a kill could still undo, and a journal line cannot be taken back. Saved with
/// the change, they are written right after it; a kill in between leaves them in the state,
/// and the next start writes them (history readers keep one record per break id, so a line
/// written twice counts once; a journal line written again says it is from before a restart).
public struct UnwrittenRecords: Hashable, Sendable, Codable {
    public var history: [HistoryRecord]
    public var journal: [LogEntry]

    public init(history: [HistoryRecord] = [], journal: [LogEntry] = []) {
        self.history = history
        self.journal = journal
    }

    /// The history and journal lines among `effects`.
    public init(_ effects: [Effect]) {
        self.init()
        for effect in effects {
            switch effect {
            case .recordHistory(let record): history.append(record)
            case .log(let entry): journal.append(entry)
            case .attempt: break
            }
        }
    }

    public var isEmpty: Bool { history.isEmpty && journal.isEmpty }
}
