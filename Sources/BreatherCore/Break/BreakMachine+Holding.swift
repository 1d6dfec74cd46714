import Foundation

/// Messages the partner's service holds (`hold_on_server`): handed over when a break starts
/// or moves, released at their time while this computer is awake, taken back when the break
/// ends or moves. Each step is a delivery in the outbox, so it is saved before it is tried
/// and retried like any other; what the service holds is saved in `state.held`.
///
/// Two rules keep the partner from getting a message twice: a hand-off that may have landed
/// (`HeldMessage.attempted`) is only ever tried again under its own key, never sent from here
/// under another; and nothing is asked of ntfy once its own copy may be on the way.
extension BreakMachine {
    /// Whether `channel`'s service is to hold messages: asked to in the config, and not found
    /// unable to since the daemon started.
    func holds(_ channel: String) -> Bool {
        settings.channels[channel]?.webhook?.holdOnServer == true && !notHolding.contains(channel)
    }

    // MARK: Hand-off

    /// Hands every reminder of `brk` that is due later than the machine's lead to the
    /// channels whose service holds messages. Rendered as of its due time: `{late}` reads
    /// "on time", and `{minutes_left}` is what it will be then.
    mutating func handOffLater(_ brk: Break, now: Date) {
        let horizon = now.addingTimeInterval(lead)
        for reminder in brk.reminders where reminder.status == .pending {
            let dueAt = brk.dueDate(ofReminder: reminder.index)
            guard dueAt > horizon else { continue }
            let planned = brk.plan.reminders[reminder.index]
            let round = reminder.sentCount + 1
            for channel in planned.to where holds(channel) {
                guard let preset = settings.channels[channel]?.webhook?.preset else { continue }
                // ntfy's copy arrives up to half a minute late: a reminder before the check-in
                // that close to it would arrive after it, so it is sent from here.
                if preset == .ntfy, planned.offset.seconds < 0,
                    dueAt.addingTimeInterval(HoldStep.ntfyMargin + 10) > brk.checkinAt
                {
                    continue
                }
                let key = HeldMessage.key(
                    breakId: brk.id, reminderIndex: reminder.index, round: round, extensions: brk.extensions,
                    channel: channel)
                guard !state.heldMessages.contains(where: { $0.key == key }) else { continue }
                var delivery = Delivery(
                    id: key, event: .reminder, channel: channel, breakId: brk.id, plan: brk.plan.name, message: "",
                    checkinAt: brk.checkinAt, dueAt: dueAt, offsetSeconds: planned.offset.seconds,
                    reminderIndex: reminder.index, createdAt: now,
                    expiresAt: dueAt.addingTimeInterval(HoldStep.releaseWindow(for: preset)), nextAttemptAt: now
                )
                delivery.reminderRound = round
                delivery.template = planned.template
                delivery.fixedValues = Dictionary(
                    uniqueKeysWithValues: values.fixedValues(for: brk).map { ($0.key.rawValue, $0.value) })
                delivery.render(now: dueAt, with: values)
                // The words are fixed now: a retry of the hand-off must not render them again.
                delivery.template = nil
                delivery.fixedValues = nil
                delivery.hold = .handOff
                state.outbox.append(delivery)
                state.heldMessages.append(
                    HeldMessage(
                        key: key, breakId: brk.id, channel: channel, reminderIndex: reminder.index, round: round,
                        dueAt: dueAt, message: delivery.message, offsetSeconds: planned.offset.seconds, preset: preset))
            }
        }
    }

    /// A hand-off attempt starts: from now on the service may hold the message.
    mutating func handOffAttempted(_ key: String) {
        guard let position = state.heldMessages.firstIndex(where: { $0.key == key }) else { return }
        state.heldMessages[position].attempted = true
    }

    // MARK: Due

    /// Reminder `index` of `brk` is due: the channels whose service holds it are asked to
    /// deliver it now; the others are returned, to be sent from here as usual.
    mutating func releaseHeld(
        _ brk: Break, reminderIndex index: Int, round: Int, channels: [String], now: Date
    ) -> (sendHere: [String], effects: [Effect]) {
        var sendHere: [String] = []
        var effects: [Effect] = []
        for channel in channels {
            guard
                let position = state.heldMessages.firstIndex(where: {
                    $0.breakId == brk.id && $0.reminderIndex == index && $0.round == round && $0.channel == channel
                        && [.held, .handingOff, .delivered].contains($0.phase) && !$0.cancelWanted
                })
            else {
                sendHere.append(channel)
                continue
            }
            var entry = state.heldMessages[position]
            if entry.phase == .delivered {
                state.heldMessages.remove(at: position)
                continue
            }
            if entry.phase == .handingOff {
                if !entry.attempted, !inFlight.contains(entry.key) {
                    // Never tried: nothing reached the service.
                    state.outbox.removeAll { $0.id == entry.key }
                    state.heldMessages.remove(at: position)
                    sendHere.append(channel)
                } else {
                    // It may have landed: the hand-off goes on under its own key (past its time,
                    // that delivers it at once), and a release follows once it is held.
                    entry.releaseWanted = true
                    state.heldMessages[position] = entry
                    if let queued = state.outbox.firstIndex(where: { $0.id == entry.key }),
                        !inFlight.contains(entry.key)
                    {
                        state.outbox[queued].nextAttemptAt = min(state.outbox[queued].nextAttemptAt, entry.dueAt)
                    }
                }
                continue
            }
            effects += release(at: position, now: now)
        }
        return (sendHere, effects)
    }

    /// The held message at `position` is due: asked for now, unless the service's own copy
    /// may be on its way by now.
    private mutating func release(at position: Int, now: Date) -> [Effect] {
        var entry = state.heldMessages[position]
        guard now.timeIntervalSince(entry.dueAt) < entry.releaseWindow else {
            state.heldMessages.remove(at: position)
            return [deliveredByItself(entry)]
        }
        entry.phase = .releasing
        state.heldMessages[position] = entry
        state.outbox.append(holdStep(.release, for: entry, at: max(entry.dueAt, now)))
        return []
    }

    /// Before-reminder `index` is dropped at the check-in, unsent from here: a service that
    /// held it delivered it at its time; one still being handed it is taken back.
    mutating func settleHeldOfDropped(_ brk: Break, reminderIndex index: Int, round: Int, now: Date) -> [Effect] {
        var effects: [Effect] = []
        for position in state.heldMessages.indices.reversed() {
            let entry = state.heldMessages[position]
            guard entry.breakId == brk.id, entry.reminderIndex == index, entry.round == round else { continue }
            switch entry.phase {
            case .held:
                state.heldMessages.remove(at: position)
                effects.append(deliveredByItself(entry))
            case .handingOff:
                effects += takeBack(at: position, now: now)
            case .delivered:
                state.heldMessages.remove(at: position)
            case .releasing, .cancelling, .notCancelled:
                continue
            }
        }
        return effects
    }

    // MARK: Taking back

    /// The break ended, or moved its check-in: what its channels' services hold for a time
    /// still ahead is taken back. `ended` is the history record of a break that ended.
    mutating func takeBack(breakId: String, now: Date, ended: HistoryRecord? = nil) -> [Effect] {
        var effects: [Effect] = []
        for position in state.heldMessages.indices.reversed() where state.heldMessages[position].breakId == breakId {
            if let ended { state.heldMessages[position].endedRecord = ended }
            effects += takeBack(at: position, now: now)
        }
        return effects
    }

    /// Takes back the one message at `position`, as far as its phase and time allow.
    private mutating func takeBack(at position: Int, now: Date) -> [Effect] {
        var entry = state.heldMessages[position]
        let past = now.timeIntervalSince(entry.dueAt) >= entry.takeBackWindow
        switch entry.phase {
        case .handingOff where inFlight.contains(entry.key):
            // Its answer decides: a held message is then taken back.
            entry.releaseWanted = false
            entry.cancelWanted = true
            state.heldMessages[position] = entry
        case .handingOff where !entry.attempted:
            // Never tried: nothing reached the service.
            state.outbox.removeAll { $0.id == entry.key }
            state.heldMessages.remove(at: position)
        case .handingOff:
            state.outbox.removeAll { $0.id == entry.key }
            if past {
                return notTakenBack(at: position, reason: "Its hand-off had no clear answer before its time.")
            }
            if entry.preset == .ntfy {
                // ntfy takes a message back by its sequence id alone.
                entry.phase = .cancelling
                state.heldMessages[position] = entry
                state.outbox.append(holdStep(.cancel, for: entry, at: now))
            } else {
                // Matrix needs the delay_id: the same transaction id gives it back, and if the
                // first attempt never landed, what lands now is held far ahead and taken back.
                entry.cancelWanted = true
                entry.releaseWanted = false
                state.heldMessages[position] = entry
                state.outbox.append(onlyToTakeBack(entry, now: now))
            }
        case .held, .releasing:
            if entry.phase == .releasing {
                // One being released right now is left to arrive, like any message on its way.
                guard !inFlight.contains(entry.key + "-send") else { return [] }
                state.outbox.removeAll { $0.id == entry.key + "-send" }
            }
            guard !past else {
                state.heldMessages.remove(at: position)
                return [deliveredByItself(entry)]
            }
            entry.phase = .cancelling
            state.heldMessages[position] = entry
            state.outbox.append(holdStep(.cancel, for: entry, at: now))
        case .delivered:
            state.heldMessages.remove(at: position)
        case .cancelling, .notCancelled:
            break
        }
        return []
    }

    // MARK: Results

    /// The result of a hold step's attempt; `delivery` has its attempt counted and is still
    /// in the outbox at `position`.
    mutating func finishedHold(
        _ delivery: Delivery, at position: Int, result: AttemptResult, now: Date, jitter: Double
    ) -> [Effect] {
        let key = delivery.holdKey ?? delivery.id
        guard let step = delivery.hold,
            let entryPosition = state.heldMessages.firstIndex(where: { $0.key == key })
        else {
            state.outbox.remove(at: position)
            return []
        }
        var entry = state.heldMessages[entryPosition]
        var fields = LogEntry.fields(of: delivery)
        fields["attempt"] = String(delivery.attempts)
        switch (step, result) {
        case (.handOff, .held(let handle)):
            state.outbox.remove(at: position)
            entry.handle = handle
            entry.phase = .held
            state.heldMessages[entryPosition] = entry
            if entry.cancelWanted || entry.breakId != state.activeBreak?.id {
                // Matrix answers a cancel of a message it has sent with 404: harmless to ask.
                entry.phase = .cancelling
                state.heldMessages[entryPosition] = entry
                state.outbox.append(holdStep(.cancel, for: entry, at: now, atLeastOnce: entry.preset == .matrix))
                return []
            }
            if entry.releaseWanted { return release(at: entryPosition, now: now) }
            return [
                .log(
                    LogEntry(
                        .info,
                        "The \(describe(entry)) is held by the server of \(entry.channel) until \(Timestamp.format(entry.dueAt)), also if this computer sleeps.",
                        fields: fields))
            ]
        case (.handOff, .cannotHold(let reason)):
            state.outbox.remove(at: position)
            state.heldMessages.remove(at: entryPosition)
            var effects = serverCannotHold(entry.channel, reason: reason, fields: fields)
            // The others queued for this channel go the same way; one on its way comes back
            // with the same answer.
            let queued = Set(
                state.heldMessages.filter {
                    $0.channel == entry.channel && $0.phase == .handingOff && !inFlight.contains($0.key)
                        && !$0.attempted
                }.map(\.key))
            state.outbox.removeAll { queued.contains($0.id) }
            state.heldMessages.removeAll { queued.contains($0.key) }
            effects += sendHereInstead(entry, now: now)
            return effects
        case (_, .held), (_, .delivered):
            state.outbox.remove(at: position)
            state.heldMessages.remove(at: entryPosition)
            let detail = if case .delivered(let detail) = result { detail } else { "held" }
            switch step {
            case .handOff where entry.preset == .matrix && now < entry.dueAt:
                // The server ignored the delay: the message is out, early, and its reminder
                // must not send it again when it comes due.
                entry.phase = .delivered
                state.heldMessages.insert(entry, at: entryPosition)
                return serverCannotHold(entry.channel, reason: "it sent a delayed message at once", fields: fields)
            case .handOff, .release:
                fields["late_seconds"] = String(format: "%.3f", now.timeIntervalSince(delivery.dueAt))
                let how =
                    step == .release ? "its server released it at its time" : "its time had come as it was handed over"
                return [
                    .log(
                        LogEntry(
                            .info, "Delivered \(delivery.event.rawValue) to \(delivery.channel): \(how) (\(detail)).",
                            fields: fields))
                ]
            case .cancel:
                return [
                    .log(
                        LogEntry(
                            .info,
                            "Took back the \(describe(entry)) from the server of \(delivery.channel) (\(detail)).",
                            fields: fields))
                ]
            }
        case (_, .cannotHold(let reason)), (_, .failed(let reason, _, _)):
            var retryable = false
            var retryAfter: Double?
            if case .failed(_, let canRetry, let wish) = result {
                retryable = canRetry
                retryAfter = wish
            }
            var failed = delivery
            failed.lastError = reason
            // A release of a break that has ended since is not tried again: it is taken back.
            if step == .release, entry.breakId != state.activeBreak?.id {
                state.outbox.remove(at: position)
                entry.phase = .held
                state.heldMessages[entryPosition] = entry
                return takeBack(at: entryPosition, now: now)
            }
            if retryable {
                let delay = RetryPolicy.delay(afterFailures: delivery.attempts, retryAfter: retryAfter, jitter: jitter)
                var next = now.addingTimeInterval(delay)
                // A hand-off is tried again at its due time at the latest, when it matters most.
                if step == .handOff, now < entry.dueAt { next = min(next, entry.dueAt) }
                if next <= delivery.expiresAt {
                    failed.nextAttemptAt = next.wholeMilliseconds
                    state.outbox[position] = failed
                    return [
                        .log(
                            LogEntry(
                                .warning,
                                "Attempt \(delivery.attempts) to \(Self.verb(step)) the \(describe(entry)) failed; trying again in \(String(format: "%.1f", next.timeIntervalSince(now))) s: \(reason)",
                                fields: fields))
                    ]
                }
            }
            state.outbox.remove(at: position)
            // A refusal is clear: nothing was taken. A window that closed on failed attempts is
            // not: the service may hold it.
            return stepGaveUp(failed, entryAt: entryPosition, refused: !retryable, reason: reason, now: now)
        }
    }

    /// A hold step whose window closed before it could be tried again.
    mutating func holdStepExpired(_ delivery: Delivery, now: Date) -> [Effect] {
        guard let entryPosition = state.heldMessages.firstIndex(where: { $0.key == delivery.holdKey ?? delivery.id })
        else { return [] }
        let attempted = state.heldMessages[entryPosition].attempted
        return stepGaveUp(
            delivery, entryAt: entryPosition, refused: !attempted, reason: delivery.lastError ?? "Its time came first.",
            now: now)
    }

    /// The outbox no longer has `delivery`: what its end means for the held message.
    private mutating func stepGaveUp(
        _ delivery: Delivery, entryAt entryPosition: Int, refused: Bool, reason: String, now: Date
    ) -> [Effect] {
        let entry = state.heldMessages[entryPosition]
        let fields = LogEntry.fields(of: delivery)
        switch delivery.hold ?? .handOff {
        case .handOff:
            state.heldMessages.remove(at: entryPosition)
            if entry.cancelWanted || entry.breakId != state.activeBreak?.id {
                guard refused else {
                    state.heldMessages.insert(entry, at: entryPosition)
                    return notTakenBack(at: entryPosition, reason: reason)
                }
                return []
            }
            guard refused else {
                return [
                    .log(
                        LogEntry(
                            .warning,
                            "The server of \(entry.channel) gave no clear answer about the \(describe(entry)); if it took it, it delivers it at its time, so it is not sent again from here: \(reason)",
                            fields: fields))
                ]
            }
            return [
                .log(
                    LogEntry(
                        .warning,
                        "Could not hand the \(describe(entry)) to its server, so it is sent from this computer at its time: \(reason)",
                        fields: fields))
            ] + sendHereInstead(entry, now: now)
        case .release:
            state.heldMessages.remove(at: entryPosition)
            return [
                .log(
                    LogEntry(
                        .warning,
                        "Could not ask the server of \(entry.channel) to deliver the \(describe(entry)) now; it delivers it by itself: \(reason)",
                        fields: fields))
            ]
        case .cancel:
            return notTakenBack(at: entryPosition, reason: reason)
        }
    }

    /// The message at `position` could not be taken back in time: logged, shown by `status`
    /// for an hour, and, for a break that has ended, written into its history again.
    private mutating func notTakenBack(at position: Int, reason: String) -> [Effect] {
        var entry = state.heldMessages[position]
        entry.phase = .notCancelled
        state.heldMessages[position] = entry
        var effects: [Effect] = [
            .log(
                LogEntry(
                    .error,
                    "Could not take back the \(describe(entry)) from its server before its time, so the partner may still receive it: \(reason)",
                    fields: fields(of: entry)))
        ]
        if var record = entry.endedRecord {
            record.notTakenBack = (record.notTakenBack ?? []) + [entry.dueAt]
            // The partner's answers in the hour after the end amend the same record.
            if let window = state.answerWindows?.firstIndex(where: { $0.break.id == entry.breakId }) {
                record.answers = state.answerWindows![window].record.answers
                state.answerWindows![window].record.notTakenBack = record.notTakenBack
            }
            for index in state.heldMessages.indices where state.heldMessages[index].breakId == entry.breakId {
                state.heldMessages[index].endedRecord = record
            }
            effects.append(.recordHistory(record))
        }
        return effects
    }

    /// A message its service did not take: sent from here, now if its time has come (it is
    /// otherwise sent when its reminder comes due, as the record is gone).
    private mutating func sendHereInstead(_ entry: HeldMessage, now: Date) -> [Effect] {
        guard entry.releaseWanted, !entry.cancelWanted, let brk = state.activeBreak, brk.id == entry.breakId,
            brk.plan.reminders.indices.contains(entry.reminderIndex)
        else { return [] }
        let reminder = brk.plan.reminders[entry.reminderIndex]
        enqueue(
            Plan.Message(to: [entry.channel], template: reminder.template), event: .reminder, for: brk,
            tag: "r\(entry.reminderIndex).\(entry.round)", due: entry.dueAt, offset: reminder.offset.seconds,
            reminderIndex: entry.reminderIndex, round: entry.round, now: now)
        return []
    }

    /// Said once per channel while the daemon runs: its messages go out from here from now on.
    private mutating func serverCannotHold(_ channel: String, reason: String, fields: [String: String]) -> [Effect] {
        guard !notHolding.contains(channel) else { return [] }
        notHolding.insert(channel)
        let why = reason.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return [
            .log(
                LogEntry(
                    .warning,
                    "The server of \(channel) cannot hold messages (\(why)), so its messages are sent from this computer at their time and wait while it sleeps.",
                    fields: fields))
        ]
    }

    // MARK: Steps

    /// A release or a cancel of `entry`, as a delivery: tried from `start` while the service
    /// may still be asked (see `HeldMessage.releaseWindow` and `takeBackWindow`).
    private func holdStep(_ step: HoldStep, for entry: HeldMessage, at start: Date, atLeastOnce: Bool = false)
        -> Delivery
    {
        let window = step == .release ? entry.releaseWindow : entry.takeBackWindow
        let until = entry.dueAt.addingTimeInterval(window)
        var delivery = Delivery(
            id: entry.key + (step == .release ? "-send" : "-cancel"), event: .reminder, channel: entry.channel,
            breakId: entry.breakId, plan: entry.endedRecord?.plan ?? state.activeBreak?.plan.name,
            message: entry.message, checkinAt: nil, dueAt: entry.dueAt, offsetSeconds: entry.offsetSeconds,
            reminderIndex: entry.reminderIndex, createdAt: start, expiresAt: atLeastOnce ? max(until, start) : until,
            nextAttemptAt: start
        )
        delivery.reminderRound = entry.round
        delivery.renderedAt = entry.dueAt
        delivery.hold = step
        delivery.holdKey = entry.key
        delivery.holdHandle = entry.handle
        return delivery
    }

    /// The Matrix hand-off again, under its own transaction id, only to learn the delay_id.
    private func onlyToTakeBack(_ entry: HeldMessage, now: Date) -> Delivery {
        var delivery = holdStep(.handOff, for: entry, at: now)
        delivery.id = entry.key
        delivery.holdKey = nil
        delivery.expiresAt = max(entry.dueAt, now)
        delivery.holdOnlyToTakeBack = true
        return delivery
    }

    private func deliveredByItself(_ entry: HeldMessage) -> Effect {
        .log(
            LogEntry(
                .info,
                "The server of \(entry.channel) delivered the \(describe(entry)) by itself at its time, while this computer was away.",
                fields: fields(of: entry)))
    }

    private func describe(_ entry: HeldMessage) -> String {
        "reminder \(Span(seconds: entry.offsetSeconds).offsetDescription) to \(entry.channel)"
    }

    private func fields(of entry: HeldMessage) -> [String: String] {
        var fields = [
            "event": "reminder", "channel": entry.channel, "delivery_id": entry.key, "break_id": entry.breakId,
            "offset_seconds": String(entry.offsetSeconds),
        ]
        if let plan = entry.endedRecord?.plan ?? state.activeBreak?.plan.name { fields["plan"] = plan }
        return fields
    }

    private static func verb(_ step: HoldStep) -> String {
        switch step {
        case .handOff: "hand over"
        case .release: "release"
        case .cancel: "take back"
        }
    }
}
