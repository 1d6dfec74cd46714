import Foundation

/// Messages the partner's service holds (`hold_on_server`): handed over when a break starts
/// or moves, released at their time while this computer is awake, taken back when the break
/// ends or moves. Each step is a delivery in the outbox, so it is saved before it is tried
/// and retried like any other; what the service holds is saved in `state.held`.
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
                let key = HeldMessage.key(
                    breakId: brk.id, reminderIndex: reminder.index, round: round, extensions: brk.extensions,
                    channel: channel)
                guard !state.heldMessages.contains(where: { $0.key == key }) else { continue }
                var delivery = Delivery(
                    id: key, event: .reminder, channel: channel, breakId: brk.id, plan: brk.plan.name, message: "",
                    checkinAt: brk.checkinAt, dueAt: dueAt, offsetSeconds: planned.offset.seconds,
                    reminderIndex: reminder.index, createdAt: now, expiresAt: dueAt, nextAttemptAt: now
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
                        dueAt: dueAt, message: delivery.message))
            }
        }
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
                        && ($0.phase == .held || $0.phase == .handingOff) && !$0.cancelWanted
                })
            else {
                sendHere.append(channel)
                continue
            }
            var entry = state.heldMessages[position]
            if entry.phase == .handingOff {
                if let handOff = state.outbox.first(where: { $0.id == entry.key }), handOff.attempts == 0,
                    !inFlight.contains(handOff.id)
                {
                    // Never tried: nothing reached the service.
                    state.outbox.removeAll { $0.id == entry.key }
                    state.heldMessages.remove(at: position)
                    sendHere.append(channel)
                } else {
                    // An attempt may have reached the service: finish the hand-off (the same
                    // key cannot hold it twice), then release it.
                    entry.releaseWanted = true
                    state.heldMessages[position] = entry
                    if let queued = state.outbox.firstIndex(where: { $0.id == entry.key }),
                        !inFlight.contains(entry.key)
                    {
                        state.outbox[queued].nextAttemptAt = min(state.outbox[queued].nextAttemptAt, now)
                        state.outbox[queued].expiresAt = max(state.outbox[queued].expiresAt, entry.dueAt + 10)
                    }
                }
                continue
            }
            let preset = settings.channels[channel]?.webhook?.preset
            if now.timeIntervalSince(entry.dueAt) >= HoldStep.releaseWindow(for: preset) {
                state.heldMessages.remove(at: position)
                effects.append(
                    .log(
                        LogEntry(
                            .info,
                            "The server of \(channel) delivered reminder \(Span(seconds: brk.plan.reminders[index].offset.seconds).offsetDescription) by itself at its time, while this computer was away.",
                            fields: fields(of: entry, plan: brk.plan.name))))
                continue
            }
            entry.phase = .releasing
            state.heldMessages[position] = entry
            state.outbox.append(holdStep(.release, for: entry, plan: brk.plan.name, at: max(entry.dueAt, now)))
        }
        return (sendHere, effects)
    }

    /// Before-reminder `index` is dropped at the check-in, unsent from here: a service that
    /// held it delivered it at its time; one still being handed it is taken back.
    mutating func settleHeldOfDropped(_ brk: Break, reminderIndex index: Int, round: Int, now: Date) -> [Effect] {
        var effects: [Effect] = []
        for position in state.heldMessages.indices.reversed() {
            var entry = state.heldMessages[position]
            guard entry.breakId == brk.id, entry.reminderIndex == index, entry.round == round else { continue }
            switch entry.phase {
            case .held:
                state.heldMessages.remove(at: position)
                effects.append(
                    .log(
                        LogEntry(
                            .info,
                            "The server of \(entry.channel) delivered reminder \(brk.plan.reminders[index].offset.offsetDescription) by itself at its time, while this computer was away.",
                            fields: fields(of: entry, plan: brk.plan.name))))
            case .handingOff:
                entry.releaseWanted = false
                entry.cancelWanted = true
                state.heldMessages[position] = entry
            case .releasing, .cancelling, .notCancelled:
                continue
            }
        }
        return effects
    }

    // MARK: Taking back

    /// The break ended, or moved its check-in: what its channels' services hold for a time
    /// still ahead is taken back (a hand-off still on its way is taken back once it lands).
    mutating func takeBack(breakId: String, now: Date, ended: HistoryRecord? = nil) {
        for position in state.heldMessages.indices {
            var entry = state.heldMessages[position]
            guard entry.breakId == breakId else { continue }
            if let ended {
                entry.endedRecord = ended
                state.heldMessages[position].endedRecord = ended
            }
            switch entry.phase {
            case .handingOff:
                entry.releaseWanted = false
                entry.cancelWanted = true
            case .held:
                entry.phase = .cancelling
                state.outbox.append(holdStep(.cancel, for: entry, plan: nil, at: now))
            case .releasing:
                // One being released right now is left to arrive, like any message on its way.
                guard !inFlight.contains(entry.key + "-send"), entry.dueAt > now else { continue }
                state.outbox.removeAll { $0.id == entry.key + "-send" }
                entry.phase = .cancelling
                state.outbox.append(holdStep(.cancel, for: entry, plan: nil, at: now))
            case .cancelling, .notCancelled:
                continue
            }
            state.heldMessages[position] = entry
        }
        // A hand-off that never went out reached nobody: drop it and its record.
        let unsent = Set(
            state.heldMessages.filter { entry in
                entry.breakId == breakId && entry.phase == .handingOff && !inFlight.contains(entry.key)
                    && state.outbox.first(where: { $0.id == entry.key })?.attempts ?? 0 == 0
            }.map(\.key))
        state.outbox.removeAll { unsent.contains($0.id) }
        state.heldMessages.removeAll { unsent.contains($0.key) }
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
        let what = "reminder \(Span(seconds: delivery.offsetSeconds ?? 0).offsetDescription) to \(delivery.channel)"
        switch (step, result) {
        case (.handOff, .held(let handle)):
            state.outbox.remove(at: position)
            entry.handle = handle
            if entry.cancelWanted {
                entry.phase = .cancelling
                state.outbox.append(holdStep(.cancel, for: entry, plan: delivery.plan, at: now))
            } else if entry.releaseWanted {
                entry.phase = .releasing
                state.outbox.append(holdStep(.release, for: entry, plan: delivery.plan, at: now))
            } else {
                entry.phase = .held
            }
            state.heldMessages[entryPosition] = entry
            return [
                .log(
                    LogEntry(
                        .info,
                        "The \(what) is held by the server of \(delivery.channel) until \(Timestamp.format(entry.dueAt)), also if this computer sleeps.",
                        fields: fields))
            ]
        case (.handOff, .cannotHold(let reason)):
            state.outbox.remove(at: position)
            state.heldMessages.remove(at: entryPosition)
            var effects = [Effect]()
            if !notHolding.contains(delivery.channel) {
                notHolding.insert(delivery.channel)
                effects.append(
                    .log(
                        LogEntry(
                            .warning,
                            "The server of \(delivery.channel) cannot hold messages (\(reason.trimmingCharacters(in: CharacterSet(charactersIn: ".")))), so its messages are sent from this computer at their time and wait while it sleeps.",
                            fields: fields)))
            }
            // The others queued for this channel go the same way; one on its way comes back
            // with the same answer.
            let queued = Set(
                state.heldMessages.filter {
                    $0.channel == delivery.channel && $0.phase == .handingOff && !inFlight.contains($0.key)
                        && !$0.releaseWanted && !$0.cancelWanted
                }.map(\.key))
            state.outbox.removeAll { queued.contains($0.id) }
            state.heldMessages.removeAll { queued.contains($0.key) }
            return effects + sendHereInstead(entry, now: now)
        case (_, .held), (_, .delivered):
            state.outbox.remove(at: position)
            state.heldMessages.remove(at: entryPosition)
            let detail = if case .delivered(let detail) = result { detail } else { "held" }
            let sentence: String
            switch step {
            case .handOff:
                fields["late_seconds"] = String(format: "%.3f", now.timeIntervalSince(delivery.dueAt))
                sentence =
                    "Delivered \(delivery.event.rawValue) to \(delivery.channel) (\(detail)): its time had come as it was handed over."
            case .release:
                fields["late_seconds"] = String(format: "%.3f", now.timeIntervalSince(delivery.dueAt))
                sentence =
                    "Delivered \(delivery.event.rawValue) to \(delivery.channel): its server released it at its time (\(detail))."
            case .cancel:
                sentence = "Took back the \(what) from the server of \(delivery.channel) (\(detail))."
            }
            return [.log(LogEntry(.info, sentence, fields: fields))]
        case (_, .cannotHold(let reason)), (_, .failed(let reason, _, _)):
            var retryable = false
            var retryAfter: Double?
            if case .failed(_, let canRetry, let wish) = result {
                retryable = canRetry
                retryAfter = wish
            }
            var failed = delivery
            failed.lastError = reason
            if retryable {
                let delay = RetryPolicy.delay(afterFailures: delivery.attempts, retryAfter: retryAfter, jitter: jitter)
                let next = now.addingTimeInterval(delay)
                if next <= delivery.expiresAt {
                    failed.nextAttemptAt = next.wholeMilliseconds
                    state.outbox[position] = failed
                    return [
                        .log(
                            LogEntry(
                                .warning,
                                "Attempt \(delivery.attempts) to \(Self.verb(step)) the \(what) failed; trying again in \(String(format: "%.1f", delay)) s: \(reason)",
                                fields: fields))
                    ]
                }
            }
            state.outbox.remove(at: position)
            return stepGaveUp(failed, entryAt: entryPosition, reason: reason, fields: fields, now: now)
        }
    }

    /// A hold step whose window closed before it could be tried again.
    mutating func holdStepExpired(_ delivery: Delivery, now: Date) -> [Effect] {
        guard let entryPosition = state.heldMessages.firstIndex(where: { $0.key == delivery.holdKey ?? delivery.id })
        else { return [] }
        return stepGaveUp(
            delivery, entryAt: entryPosition, reason: delivery.lastError ?? "Its time came first.",
            fields: LogEntry.fields(of: delivery), now: now)
    }

    /// The outbox no longer has `delivery`: what its end means for the held message.
    private mutating func stepGaveUp(
        _ delivery: Delivery, entryAt entryPosition: Int, reason: String, fields: [String: String], now: Date
    ) -> [Effect] {
        var entry = state.heldMessages[entryPosition]
        let what = "reminder \(Span(seconds: delivery.offsetSeconds ?? 0).offsetDescription) to \(delivery.channel)"
        switch delivery.hold ?? .handOff {
        case .handOff:
            state.heldMessages.remove(at: entryPosition)
            let effects: [Effect] = [
                .log(
                    LogEntry(
                        .warning,
                        entry.cancelWanted
                            ? "Gave up handing the \(what) to its server; the break no longer needs it: \(reason)"
                            : "Could not hand the \(what) to its server, so it is sent from this computer at its time: \(reason)",
                        fields: fields))
            ]
            return effects + sendHereInstead(entry, now: now)
        case .release:
            state.heldMessages.remove(at: entryPosition)
            return [
                .log(
                    LogEntry(
                        .warning,
                        "Could not ask the server of \(delivery.channel) to deliver the \(what) now; it delivers it by itself: \(reason)",
                        fields: fields))
            ]
        case .cancel:
            entry.phase = .notCancelled
            state.heldMessages[entryPosition] = entry
            var effects: [Effect] = [
                .log(
                    LogEntry(
                        .error,
                        "Could not take back the \(what) from its server before its time, so the partner may still receive it: \(reason)",
                        fields: fields))
            ]
            // The break has ended: its history says so, in a record that replaces the first.
            if var record = entry.endedRecord {
                record.notTakenBack = (record.notTakenBack ?? []) + [entry.dueAt]
                for position in state.heldMessages.indices where state.heldMessages[position].breakId == entry.breakId {
                    state.heldMessages[position].endedRecord = record
                }
                effects.append(.recordHistory(record))
            }
            return effects
        }
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

    // MARK: Steps

    /// A release or a cancel of `entry`, as a delivery: tried from `at`, until the message's
    /// time (a release a little after it).
    private func holdStep(_ step: HoldStep, for entry: HeldMessage, plan: String?, at start: Date) -> Delivery {
        let preset = settings.channels[entry.channel]?.webhook?.preset
        let until =
            step == .release
            ? entry.dueAt.addingTimeInterval(HoldStep.releaseWindow(for: preset))
            : entry.dueAt.addingTimeInterval(preset == .ntfy ? HoldStep.ntfyMargin - 5 : 0)
        var delivery = Delivery(
            id: entry.key + (step == .release ? "-send" : "-cancel"), event: .reminder, channel: entry.channel,
            breakId: entry.breakId, plan: plan ?? state.activeBreak.map(\.plan.name), message: entry.message,
            checkinAt: nil, dueAt: entry.dueAt, offsetSeconds: offset(of: entry), reminderIndex: entry.reminderIndex,
            createdAt: start, expiresAt: max(until, start), nextAttemptAt: start
        )
        delivery.reminderRound = entry.round
        delivery.renderedAt = entry.dueAt
        delivery.hold = step
        delivery.holdKey = entry.key
        delivery.holdHandle = entry.handle
        return delivery
    }

    private func offset(of entry: HeldMessage) -> Int? {
        guard let brk = state.activeBreak, brk.id == entry.breakId,
            brk.plan.reminders.indices.contains(entry.reminderIndex)
        else { return nil }
        return brk.plan.reminders[entry.reminderIndex].offset.seconds
    }

    private func fields(of entry: HeldMessage, plan: String) -> [String: String] {
        [
            "event": "reminder", "channel": entry.channel, "delivery_id": entry.key, "plan": plan,
            "break_id": entry.breakId,
        ]
    }

    private static func verb(_ step: HoldStep) -> String {
        switch step {
        case .handOff: "hand over"
        case .release: "release"
        case .cancel: "take back"
        }
    }
}
