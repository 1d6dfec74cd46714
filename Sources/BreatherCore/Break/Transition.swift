/// One step of the break machine, for the executor: save the machine's state (which holds
/// this step's history and journal lines until they are written), then carry out the rest.
///
/// In the style of a state machine that returns typed actions to its handler: the handler
/// switches on what is here and decides nothing itself.
public struct Transition: Hashable, Sendable {
    /// Deliveries to attempt once the state is saved.
    public var attempts: [Delivery]
    /// History and journal lines to write once the state is saved (the state holds them too).
    public var records: UnwrittenRecords
    /// The desktop notification of a break that ended: to close.
    public var closeNotification: ShownNotification?
    /// For a command: what it did.
    public var outcome: CommandOutcome?

    public init(
        attempts: [Delivery] = [], records: UnwrittenRecords = UnwrittenRecords(),
        closeNotification: ShownNotification? = nil, outcome: CommandOutcome? = nil
    ) {
        self.attempts = attempts
        self.records = records
        self.closeNotification = closeNotification
        self.outcome = outcome
    }

    /// Sorts the machine's effects into what the executor does with each.
    init(_ effects: [Effect], closeNotification: ShownNotification? = nil, outcome: CommandOutcome? = nil) {
        self.init(
            attempts: effects.compactMap { if case .attempt(let delivery) = $0 { delivery } else { nil } },
            records: UnwrittenRecords(effects), closeNotification: closeNotification, outcome: outcome
        )
    }
}
