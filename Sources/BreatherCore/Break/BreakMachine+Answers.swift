import Foundation

/// The partner's answers: which channels to read and from where, what a read brings back,
/// and the relay of each answer to the one on the break. Reading is the daemon's; every
/// decision about what was read is made here, from the state.
extension BreakMachine {
    /// The channels `brk`'s answers come back on, in the order the plan names them: a matrix
    /// channel that names the partner and gets any of the plan's messages (a reply needs no
    /// buttons), and an ntfy channel with an answers topic that gets a message offering
    /// answers (only buttons answer on ntfy).
    public func answerChannels(of brk: Break) -> [String] {
        // Asked after every change: with no channel that can bring answers, a plan of many
        // reminders is not walked at all.
        guard settings.channels.values.contains(where: { $0.webhook.map(Self.bringsAnswers) ?? false }) else {
            return []
        }
        let plan = brk.plan
        let named =
            [plan.announce, plan.extend, plan.back, plan.cancel].compactMap { $0?.to } + plan.reminders.map(\.to)
        let offering = Set(
            [plan.announce, plan.extend].compactMap { $0 }.filter { $0.answers?.isEmpty == false }.flatMap(\.to))
        var channels: [String] = []
        for name in named.joined() where !channels.contains(name) {
            guard let webhook = settings.channels[name]?.webhook else { continue }
            let buttons = brk.answersKey != nil && offering.contains(name)
            if Self.bringsAnswers(webhook), webhook.preset == .matrix || buttons { channels.append(name) }
        }
        return channels
    }

    /// An ntfy channel with an answers topic, or a matrix channel that names the partner.
    static func bringsAnswers(_ webhook: Webhook) -> Bool {
        (webhook.preset == .ntfy && webhook.answersUrl != nil)
            || (webhook.preset == .matrix && webhook.partnerUserId != nil)
    }

    /// What to read at `now`, one per channel: nothing at all when no break runs and none
    /// ended within the hour.
    public func answerReadings(now: Date) -> [AnswerReading] {
        var wanted: [String: (since: Date, breakRuns: Bool)] = [:]
        for (brk, endedAt) in answerableBreaks(now: now) {
            for channel in answerChannels(of: brk) {
                let earlier = wanted[channel]
                wanted[channel] = (
                    min(earlier?.since ?? brk.startedAt, brk.startedAt), (earlier?.breakRuns ?? false) || endedAt == nil
                )
            }
        }
        return wanted.keys.sorted().compactMap { channel in
            guard let preset = settings.channels[channel]?.webhook?.preset, let want = wanted[channel] else {
                return nil
            }
            return AnswerReading(
                channel: channel, preset: preset, cursor: quietAnswerCursors[channel] ?? state.answerCursors?[channel],
                since: want.since,
                breakRuns: want.breakRuns)
        }
    }

    /// The running break and those that ended less than an hour before `now`, with their ends.
    func answerableBreaks(now: Date) -> [(brk: Break, endedAt: Date?)] {
        let ended = (state.answerWindows ?? []).filter { now < $0.readUntil }.map { ($0.break, Optional($0.endedAt)) }
        return ended + (state.activeBreak.map { [($0, nil)] } ?? [])
    }

    /// Matches what one read of a channel brought back: answers are kept, relayed and
    /// logged (without their words); the read position is saved with them, in one change.
    mutating func readAnswers(_ read: AnswersRead, now: Date) -> [Effect] {
        let channel = read.channel
        // A read that comes back after its breaks' hour has nothing left to answer.
        guard answerReadings(now: now).contains(where: { $0.channel == channel }) else { return [] }
        var effects: [Effect] = []
        var ignored: [(reason: String, sentence: String, count: Int)] = []
        switch read {
        case .ntfy(_, let poll):
            for message in poll.messages {
                let match = AnswerMatching.ntfy(message, channel: channel, breaks: matchable(now: now))
                effects += keep(match, channel: channel, ignored: &ignored, now: now)
            }
            if let last = poll.lastId {
                state.answerCursors = (state.answerCursors ?? [:]).merging([channel: last]) { $1 }
            }
        case .matrix(_, let sync, let ownUserId):
            guard let partner = settings.channels[channel]?.webhook?.partnerUserId else { return [] }
            for event in sync.events {
                if event.sender == ownUserId {
                    noteOwnMessage(event, now: now)
                    continue
                }
                let match = AnswerMatching.matrix(
                    event, channel: channel, partner: partner, breaks: matchable(now: now))
                effects += keep(match, channel: channel, ignored: &ignored, now: now)
            }
            if sync.events.isEmpty {
                quietAnswerCursors[channel] = sync.nextBatch
            } else {
                quietAnswerCursors[channel] = nil
                state.answerCursors = (state.answerCursors ?? [:]).merging([channel: sync.nextBatch]) { $1 }
            }
        }
        // One line per reason and read, however many came: anyone who can post to the topic
        // or room cannot fill the journal. Never the words nor the sender: only why.
        for (reason, sentence, count) in ignored {
            let what = count == 1 ? "Something" : "\(count) things"
            effects.append(
                .log(
                    LogEntry(
                        .notice, "\(what) read on \(channel) not taken as the partner's answer: \(sentence)",
                        fields: [
                            "event": "answer_ignored", "channel": channel, "answer_reason": reason,
                            "answer_count": String(count),
                        ])))
        }
        return effects
    }

    /// Breaks that ended more than an hour ago are forgotten, and so is where reading stood
    /// on channels no break needs any more: the next break reads from its own start.
    mutating func closeAnswerWindows(now: Date) {
        if let windows = state.answerWindows {
            let open = windows.filter { now < $0.readUntil }
            state.answerWindows = open.isEmpty ? nil : open
        }
        let read = Set(answerReadings(now: now).map(\.channel))
        quietAnswerCursors = quietAnswerCursors.filter { read.contains($0.key) }
        if let cursors = state.answerCursors {
            let kept = cursors.filter { read.contains($0.key) }
            state.answerCursors = kept.isEmpty ? nil : kept
        }
    }

    /// Keeps a break that ends for the answers of the hour after, if any channel brings them.
    mutating func openAnswerWindow(for brk: Break, endedAt: Date, record: HistoryRecord) {
        guard !answerChannels(of: brk).isEmpty else { return }
        state.answerWindows = (state.answerWindows ?? []) + [AnswerWindow(break: brk, endedAt: endedAt, record: record)]
    }

    private func matchable(now: Date) -> [AnswerableBreak] {
        answerableBreaks(now: now).map { brk, endedAt in
            AnswerableBreak(
                breakId: brk.id, key: brk.answersKey, agreedAnswers: brk.plan.agreedAnswers, startedAt: brk.startedAt,
                endedAt: endedAt, messageEvents: brk.messageEvents ?? [:], answered: Set((brk.answers ?? []).map(\.id)))
        }
    }

    /// One of Breather's own messages in the room; a reply to it answers its break. Sent with
    /// this token, it carries its transaction id, Breather's delivery id, which names the
    /// break. Sent otherwise (a held message the server sent at its time), it belongs to the
    /// latest break that had begun when the server took it.
    private mutating func noteOwnMessage(_ event: MatrixEvent, now: Date) {
        guard event.type == "m.room.message", !event.isState else { return }
        let breaks = answerableBreaks(now: now).map(\.brk)
        let owner: Break?
        if let transaction = event.transactionId {
            owner = breaks.first { transaction.hasPrefix($0.id + "-") }
        } else {
            owner =
                breaks
                .filter { $0.startedAt.addingTimeInterval(-AnswerableBreak.clockSkew) <= event.at }
                .max { $0.startedAt < $1.startedAt }
        }
        guard let owner else { return }
        update(breakId: owner.id) { brk in
            var events = brk.messageEvents ?? [:]
            events[event.eventId] = event.at
            brk.messageEvents = events
        }
    }

    private mutating func keep(
        _ match: AnswerMatch, channel: String, ignored: inout [(reason: String, sentence: String, count: Int)],
        now: Date
    ) -> [Effect] {
        func note(_ reason: String, _ sentence: String) {
            if let seen = ignored.firstIndex(where: { $0.reason == reason }) {
                ignored[seen].count += 1
            } else {
                ignored.append((reason, sentence, 1))
            }
        }
        switch match {
        case .ignored(let reason):
            if reason.isWorthLogging { note(reason.rawValue, reason.description) }
            return []
        case .answer(var answer):
            let kept = answerableBreaks(now: now).first { $0.brk.id == answer.breakId }?.brk.answers?.count ?? 0
            guard kept < PartnerAnswer.keptPerBreak else {
                note("too_many", "Its break already has \(PartnerAnswer.keptPerBreak) answers, as many as are kept.")
                return []
            }
            if answer.text.count > PartnerAnswer.longestText {
                answer.text = String(answer.text.prefix(PartnerAnswer.longestText)) + "…"
            }
            var relayed: Break?
            var amended: HistoryRecord?
            update(breakId: answer.breakId) { brk in
                brk.answers = (brk.answers ?? []) + [answer]
                relayed = brk
            }
            let entries = relayed?.answers?.map(AnswerEntry.init)
            if let position = state.answerWindows?.firstIndex(where: { $0.break.id == answer.breakId }) {
                state.answerWindows![position].record.answers = entries
                amended = state.answerWindows![position].record
            }
            // A held message not taken back amends the same record later: with the answers.
            for index in state.heldMessages.indices
            where state.heldMessages[index].breakId == answer.breakId && state.heldMessages[index].endedRecord != nil {
                state.heldMessages[index].endedRecord?.answers = entries
            }
            guard let brk = relayed else { return [] }
            let relay = brk.plan.answerRelay ?? .standard
            // The desktop always hears it (SPEC: "the desktop, and the channels in [answers]").
            let desktops = settings.channels.values.filter { $0.kind == .desktop }.map(\.name).sorted()
            var channels = desktops
            for name in relay.channels(in: settings) where settings.channels[name] != nil && !channels.contains(name) {
                channels.append(name)
            }
            enqueue(
                Plan.Message(to: channels, template: relay.template), event: .answer, for: brk,
                tag: "answer\(brk.answers?.count ?? 0)", answer: answer.text, now: now)
            var effects: [Effect] = [
                .log(
                    LogEntry(
                        .notice,
                        "\(brk.partner) answered on \(channel); relayed to \(channels.joined(separator: ", ")).",
                        fields: LogEntry.fields(of: brk).merging(["event": "answer", "channel": channel]) { $1 }))
            ]
            if let amended { effects.append(.recordHistory(amended)) }
            return effects
        }
    }

    /// Changes the running break, or the ended one within its hour, whose id is `breakId`.
    private mutating func update(breakId: String, _ change: (inout Break) -> Void) {
        if var brk = state.activeBreak, brk.id == breakId {
            change(&brk)
            state.activeBreak = brk
        } else if let position = state.answerWindows?.firstIndex(where: { $0.break.id == breakId }) {
            change(&state.answerWindows![position].break)
        }
    }
}
