import Foundation

/// The daemon's one writer of `state.json`: it loads what the last run left, and saves
/// every change before the change is acknowledged.
public struct StateStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// What loading found: the state, and a sentence for the journal when the file had to
    /// be moved aside.
    public struct Loaded: Sendable {
        public var state: BreatherState
        public var problem: String?
    }

    /// Never fails: a missing file is an empty state; a file that cannot be read or decoded
    /// is moved aside (to `state.json.corrupt-<time>`) so that nothing overwrites it, and the
    /// daemon starts empty.
    public func load(now: Date = Date()) -> Loaded {
        let bytes: [UInt8]
        do {
            guard let read = try AtomicFile.read(path) else { return Loaded(state: BreatherState()) }
            bytes = read
        } catch {
            return Loaded(state: BreatherState(), problem: moveAside(because: error.description, now: now))
        }
        do {
            let state = try BreatherJSON.decoder().decode(BreatherState.self, from: Data(bytes))
            guard state.version == BreatherState.currentVersion else {
                return Loaded(
                    state: BreatherState(),
                    problem: moveAside(
                        because:
                            "it has version \(state.version), and this breatherd reads version \(BreatherState.currentVersion)",
                        now: now))
            }
            if let problem = state.inconsistency {
                return Loaded(state: BreatherState(), problem: moveAside(because: problem, now: now))
            }
            return Loaded(state: state)
        } catch {
            return Loaded(
                state: BreatherState(),
                problem: moveAside(because: "it is not a valid state file (\(StateStore.describe(error)))", now: now))
        }
    }

    /// Throws while the old file is still in force; returns a problem that came after the new
    /// file took its place (its folder could not be flushed to disk).
    @discardableResult
    public func save(_ state: BreatherState) throws(FileError) -> FileError? {
        let data: Data
        do {
            data = try BreatherJSON.encoder().encode(state)
        } catch {
            // Encoding plain values cannot fail; keep the old file if it ever does.
            throw FileError(code: .write, path: path, errno: EINVAL)
        }
        return try AtomicFile.write(Array(data) + [10], to: path)
    }

    private func moveAside(because reason: String, now: Date) -> String {
        let aside = path + ".corrupt-" + Timestamp.format(now).replacingOccurrences(of: ":", with: "")
        if rename(path, aside) == 0 {
            return
                "The state file \(path) could not be used because \(reason); it was moved to \(aside) and breatherd started with an empty state."
        }
        let why = Errno.current
        return "The state file \(path) could not be used because \(reason), and could not be moved aside (\(why)); "
            + "breatherd started with an empty state."
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
            DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "malformed JSON" : "bad value at \(path)"
        case DecodingError.keyNotFound(let key, _):
            return "missing \(key.stringValue)"
        default:
            return "malformed JSON"
        }
    }
}
