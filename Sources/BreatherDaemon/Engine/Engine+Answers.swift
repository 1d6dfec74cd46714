import BreatherCore
import Dispatch

/// The partner's answers: what a read brought goes through the machine like any event.
extension Engine {
    func answersRead(_ read: AnswersRead) {
        dispatchPrecondition(condition: .onQueue(queue))
        var next = machine
        let transition = next.answersRead(read, now: clock.now())
        commit(next, transition)
    }

    /// Tells the reader what to read now (called after every change).
    func refreshAnswerReading() {
        answerReader?.refresh(
            machine.answerReadings(now: clock.now()), channels: configuration.settings.channels)
    }
}
