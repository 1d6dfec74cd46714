import ArgumentParser
import BreatherCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration for mistakes.",
        discussion: """
            Reads breather.toml and every plan, and prints each problem as file:line: message. \
            Exits with status 1 when there is any. Works without breatherd and changes nothing.

            Example: breather check
            """
    )

    func run() throws {
        let configuration = ConfigLoader.load(Output.paths)
        let problems = configuration.diagnostics
        guard problems.isEmpty else {
            Output.print(problems.map(\.description).joined(separator: "\n"))
            Output.error("\(TimeInWords.count(problems.count, "problem")) in the configuration; nothing was changed.")
            throw ExitCode.failure
        }
        Output.print(CheckCommand.verdict(configuration))
        if let note = CheckCommand.awayNote(configuration) { Output.print(note) }
        for note in CheckCommand.answersNotes(configuration) { Output.print(note) }
    }

    /// Notes, not problems: a plan that offers answers on a message none of whose channels
    /// can bring them back (an ntfy channel with `answers_url`, a matrix one with
    /// `partner_user_id`) offers buttons no one sees.
    static func answersNotes(_ configuration: Configuration) -> [String] {
        let channels = configuration.settings.channels
        func bringsAnswers(_ name: String) -> Bool {
            guard let webhook = channels[name]?.webhook else { return false }
            return (webhook.preset == .ntfy && webhook.answersUrl != nil)
                || (webhook.preset == .matrix && webhook.partnerUserId != nil)
        }
        return configuration.plans.keys.sorted().compactMap { name in
            guard let plan = configuration.plans[name] else { return nil }
            let offering = [plan.announce, plan.extend].compactMap { $0 }.filter { $0.answers?.isEmpty == false }
            guard !offering.isEmpty, !offering.contains(where: { $0.to.contains(where: bringsAnswers) }) else {
                return nil
            }
            return
                "Note: the plan \(name) offers answers, but none of its channels brings them back; give the partner's ntfy channel an answers_url, or a matrix channel partner_user_id (see the README)."
        }
    }

    /// A note, not a problem: when none of your reminders (those before or at the check-in)
    /// goes anywhere but this computer, a closed lid silences them.
    static func awayNote(_ configuration: Configuration) -> String? {
        let channels = configuration.settings.channels
        let yours = configuration.plans.values.flatMap(\.reminders).filter { $0.offset.seconds <= 0 }
        guard !yours.isEmpty else { return nil }
        let reachesAway = yours.contains { reminder in
            reminder.to.contains { channels[$0]?.webhook?.holdOnServer == true }
        }
        guard !reachesAway else { return nil }
        return
            "Note: your reminders reach only this computer, so while it sleeps they wait. A channel to your own phone with hold_on_server = true (`breather init --phone`, or see the README) brings them to you wherever you are."
    }

    /// "The configuration is valid: 2 plans, 1 channel."
    static func verdict(_ configuration: Configuration) -> String {
        let plans = TimeInWords.count(configuration.plans.count, "plan")
        let channels = TimeInWords.count(configuration.settings.channels.count, "channel")
        return "The configuration is valid: \(plans), \(channels)."
    }
}
