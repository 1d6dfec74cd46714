/// What a command did, in the terms its reply is worded from: the executor never reads the
/// state back to find out.
public enum CommandOutcome: Hashable, Sendable {
    case started(Break)
    case extended(Break)
    case ended(EndedBreak)
}
