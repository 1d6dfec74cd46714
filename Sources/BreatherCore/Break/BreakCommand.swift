/// What a person asks of the running break, checked and typed: the socket's requests and
/// the notification's buttons both become one of these before the machine sees them.
public enum BreakCommand: Hashable, Sendable {
    case start(plan: Plan, duration: Span?, note: String?, breakId: String)
    case back
    case cancel
    case extend(Span)
}
