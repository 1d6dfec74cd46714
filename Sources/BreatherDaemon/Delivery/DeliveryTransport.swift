import BreatherCore

/// Where the engine's deliveries go: the real one is `DeliverySender` (libcurl and the
/// session bus); the engine's tests give it one that records what it was asked.
protocol DeliveryTransport: Sendable {
    /// Attempts `delivery`; `completion` gets the result and, for the desktop, the
    /// notification as shown. `replacing` is the break's notification now on screen.
    func send(
        _ delivery: Delivery, through channel: Channel?, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    )

    /// Shows a running break's notification again from this process (after a restart).
    func showAgain(
        _ text: String, urgent: Bool, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    )

    /// Closes the notification of a break that ended.
    func close(_ shown: ShownNotification)

    /// What is wrong with `channel` beyond a message getting through (a Matrix token or room,
    /// a service that cannot hold messages), one sentence each; empty when nothing is.
    func checkChannel(_ channel: Channel, completion: @escaping @Sendable ([String]) -> Void)

    /// Reads `channel` for answers from where `reading` says; the completion may come on any
    /// thread, after up to a long poll's time.
    func readAnswers(
        _ reading: AnswerReading, through channel: Channel, completion: @escaping @Sendable (AnswerReadOutcome) -> Void)
}
