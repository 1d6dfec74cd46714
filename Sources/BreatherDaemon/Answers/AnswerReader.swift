import BreatherCore
import Dispatch
import Foundation
import Logging

/// Reads the partner's answers where and while the machine says (`answerReadings`): one
/// loop per channel, never two reads of a channel at once, and nothing at all when no break
/// runs and none ended within the hour.
///
/// ntfy's poll returns at once, so its loop pauses between reads (`AnswerReading.ntfyInterval`);
/// a Matrix `/sync` is a long poll the server holds, so its loop reads again at once, but
/// never sooner than a second after the last read began. A failing channel waits longer each
/// time (up to five minutes) and is one journal line when it starts failing and one when it
/// works again, not one per attempt.
///
/// Confined to the engine's queue: `refresh` is called there, and every timer and result
/// comes back there through `run`.
final class AnswerReader: @unchecked Sendable {
    private struct Loop {
        var reading: AnswerReading
        var channel: Channel
        /// Tells a loop from one made later for the same channel, so an old result is dropped.
        let generation: Int
        var isReading = false
        var timer: DispatchSourceTimer?
        var failures = 0
        var startedAt = Date.distantPast
    }

    private let queue: DispatchQueue
    private let transport: any DeliveryTransport
    private let logger: Logger
    private let run: (@escaping @Sendable () -> Void) -> Void
    private let deliver: (AnswersRead) -> Void
    private var loops: [String: Loop] = [:]
    private var generations = 0

    /// `run` puts work on the engine's queue; `deliver` hands a read to the machine there.
    init(
        queue: DispatchQueue, transport: any DeliveryTransport, logger: Logger,
        run: @escaping (@escaping @Sendable () -> Void) -> Void, deliver: @escaping (AnswersRead) -> Void
    ) {
        self.queue = queue
        self.transport = transport
        self.logger = logger
        self.run = run
        self.deliver = deliver
    }

    /// Starts reading channels that now bring answers, stops those that no longer do, and
    /// keeps each loop's read position as the machine saved it.
    func refresh(_ readings: [AnswerReading], channels: [String: Channel]) {
        dispatchPrecondition(condition: .onQueue(queue))
        let wanted = Set(readings.map(\.channel))
        for (name, loop) in loops where !wanted.contains(name) {
            loop.timer?.cancel()
            loops[name] = nil
        }
        for reading in readings {
            guard let channel = channels[reading.channel] else { continue }
            if loops[reading.channel] != nil {
                loops[reading.channel]?.reading = reading
                loops[reading.channel]?.channel = channel
            } else {
                generations += 1
                loops[reading.channel] = Loop(reading: reading, channel: channel, generation: generations)
                read(reading.channel)
            }
        }
    }

    private func read(_ name: String) {
        guard var loop = loops[name], !loop.isReading else { return }
        loop.isReading = true
        loop.timer = nil
        loop.startedAt = Date()
        loops[name] = loop
        let generation = loop.generation
        transport.readAnswers(loop.reading, through: loop.channel) { [weak self] outcome in
            guard let self else { return }
            run { self.finished(name, generation: generation, outcome) }
        }
    }

    private func finished(_ name: String, generation: Int, _ outcome: AnswerReadOutcome) {
        guard var loop = loops[name], loop.generation == generation else { return }
        loop.isReading = false
        switch outcome {
        case .read(let read):
            if loop.failures > 0 {
                logger.notice(
                    "Answers are read on \(name) again.", metadata: ["event": "answers", "channel": .string(name)])
            }
            loop.failures = 0
            loops[name] = loop
            // The machine keeps what came and saves the new position; its `refresh` brings it here.
            deliver(read)
            guard let next = loops[name], next.generation == generation else { return }
            let pause: TimeInterval =
                next.reading.preset == .ntfy
                ? next.reading.ntfyInterval : max(0, 1 - Date().timeIntervalSince(next.startedAt))
            schedule(name, after: pause)
        case .failed(let reason, let unreachable):
            loop.failures += 1
            loops[name] = loop
            if loop.failures == 1 {
                logger.log(
                    level: unreachable ? .info : .warning,
                    "Answers could not be read on \(name), and reading is tried again with growing pauses: \(reason)",
                    metadata: ["event": "answers", "channel": .string(name)])
            }
            schedule(
                name,
                after: RetryPolicy.delay(
                    afterFailures: loop.failures, retryAfter: nil, jitter: Double.random(in: 0..<1)))
        }
    }

    private func schedule(_ name: String, after seconds: TimeInterval) {
        guard loops[name] != nil else { return }
        if seconds <= 0 { return read(name) }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(wallDeadline: .now() + seconds)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            run { self.read(name) }
        }
        loops[name]?.timer = timer
        timer.resume()
    }
}
