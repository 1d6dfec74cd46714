import BreatherCore
import Foundation

/// Re-reading the configuration, and the machine's sleep and time zone.
extension Engine {
    /// Re-reads the configuration. Plans are replaced; the names and channels are replaced
    /// only when breather.toml itself is sound, so a half-edited file cannot silence a
    /// running break. A running break keeps the plan it started with.
    func reload() -> ControlResponse {
        refreshTimeZone()
        let fresh = ConfigLoader.load(paths)
        for diagnostic in fresh.diagnostics {
            logger.warning("\(diagnostic.description)", metadata: ["event": "config"])
        }
        var next = fresh
        var sentence: String
        if fresh.settingsAreSound {
            machine.settings = fresh.settings
            sentence = "Configuration reloaded"
        } else {
            next.settings = configuration.settings
            sentence = "Plans reloaded; breather.toml has problems, so the names and channels in force are kept"
        }
        configuration = next
        // A channel's answers topic, room or partner may have changed: read where it says now.
        refreshAnswerReading()
        let invalid = fresh.planFiles.filter { !$0.isValid }.count
        sentence += ": \(fresh.plans.count) valid plan\(fresh.plans.count == 1 ? "" : "s")"
        sentence += invalid > 0 ? ", \(invalid) with problems (`breather check` shows them)." : "."
        logger.notice("\(sentence)", metadata: ["event": "reload"])
        return .success(sentence)
    }

    /// logind says the machine is going to sleep, or has woken. The wall-clock timer already
    /// fires on resume for anything that fell due; on waking this checks at once regardless.
    /// Before sleep, `release` lets it go once no delivery is on its way any more.
    func sleepChanged(goingToSleep: Bool, release: @escaping @Sendable () -> Void) {
        run { [self] in
            if goingToSleep {
                let inFlight = machine.inFlight.count
                logger.info(
                    "The machine is going to sleep; every deadline is a wall-clock time and holds across it\(inFlight > 0 ? ", and \(inFlight) message\(inFlight == 1 ? " is" : "s are") still on the way" : "").",
                    metadata: ["event": "sleep"]
                )
                sleepRelease = release
                releaseSleepIfIdle()
            } else {
                // A release still waiting belongs to the sleep that is over.
                sleepRelease = nil
                logger.notice(
                    "The machine woke from sleep; checking what fell due meanwhile.", metadata: ["event": "resume"])
                refreshTimeZone()
                tick()
            }
        }
    }

    /// Lets the machine sleep once nothing is on its way.
    func releaseSleepIfIdle() {
        guard let release = sleepRelease, machine.inFlight.isEmpty else { return }
        sleepRelease = nil
        release()
        logger.info("Nothing more is on its way; the machine may sleep.", metadata: ["event": "sleep"])
    }

    /// A laptop that travelled: messages name the check-in in the zone in force now.
    func refreshTimeZone() {
        NSTimeZone.resetSystemTimeZone()
        machine.values.timeZone = TimeZone.current
    }

    /// breatherd's one-line status.
    func statusSentence() -> String {
        ReplyWording.statusSentence(for: machine.state, values: machine.values)
    }
}
