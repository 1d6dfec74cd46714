import Foundation

/// The break's state machine: start, extend, back, cancel, the clock's ticks and delivery
/// outcomes go in; a new state and the effects to perform come out.
///
/// It is a value: the daemon changes a copy, saves the copy's `state`, and only then keeps
/// it and performs the effects, so nothing is acknowledged that is not on disk. It reads
/// no clock, file or socket of its own: every decision is a function of state and `now`.
public struct BreakMachine: Sendable {
    public internal(set) var state: BreatherState
    /// The settings in force (names and channels); replaced on reload.
    public var settings: Settings
    public var values: MessageValues
    /// Deliveries being attempted right now; not saved, since after a restart none is.
    public internal(set) var inFlight: Set<String> = []
    /// How long before its time a reminder's deliveries are made and saved, so that at the
    /// due instant nothing waits for the disk and the attempt starts at once.
    public var lead: TimeInterval = 2
    /// Channels whose service was found unable to hold messages since the daemon started:
    /// their messages are sent from here, and the warning is said once.
    public internal(set) var notHolding: Set<String> = []
    /// Read positions of reads that brought nothing: kept here, not saved, so that a quiet
    /// room is not a write to disk every long poll. After a restart the saved position is
    /// read again, which brings nothing twice (kept answers are known by their ids).
    public internal(set) var quietAnswerCursors: [String: String] = [:]
    /// Makes the secret a break's answer buttons carry (a seam, so tests can fix it).
    public var newAnswersKey: @Sendable () -> String = AnswerButton.newKey

    public init(state: BreatherState, settings: Settings, values: MessageValues = MessageValues()) {
        self.state = state
        self.settings = settings
        self.values = values
    }

    // MARK: Commands

    public mutating func start(plan: Plan, duration: Span?, note: String?, now rawNow: Date, breakId: String)
        throws(ControlError) -> [Effect]
    {
        if let running = state.activeBreak {
            throw ControlError(
                code: .breakRunning,
                message:
                    "A break is already running (plan \"\(running.plan.name)\", check-in at \(values.clockTime(running.checkinAt))); end it with `breather back` or `breather cancel` first."
            )
        }
        let now = rawNow.wholeMilliseconds
        let length = duration ?? plan.duration
        var brk = Break(
            id: breakId, plan: plan, me: settings.me, partner: settings.partner,
            startedAt: now, checkinAt: now.addingTimeInterval(Double(length.seconds)), note: note
        )
        if !plan.agreedAnswers.isEmpty { brk.answersKey = newAnswersKey() }
        state.activeBreak = brk
        var effects: [Effect] = [
            .log(
                LogEntry(
                    .notice,
                    "Break started with plan \(plan.name); check-in promised at \(Timestamp.format(brk.checkinAt)).",
                    fields: LogEntry.fields(of: brk).merging(["event": "start"]) { $1 }))
        ]
        for reminder in brk.reminders where reminder.status == .skipped {
            effects.append(
                .log(
                    LogEntry(
                        .info,
                        "Reminder \(plan.reminders[reminder.index].offset.offsetDescription) falls before the break began and is skipped.",
                        fields: LogEntry.fields(of: brk).merging(["event": "reminder"]) { $1 })))
        }
        if let announce = plan.announce {
            enqueue(announce, event: .announce, for: brk, tag: "announce", now: now)
        }
        handOffLater(brk, now: now)
        return effects + tick(now: now)
    }

    public mutating func back(now rawNow: Date) throws(ControlError) -> [Effect] {
        try end(outcome: .back, now: rawNow.wholeMilliseconds)
    }

    public mutating func cancel(now rawNow: Date) throws(ControlError) -> [Effect] {
        try end(outcome: .cancelled, now: rawNow.wholeMilliseconds)
    }

    public mutating func extend(by span: Span, now rawNow: Date) throws(ControlError) -> [Effect] {
        guard var brk = state.activeBreak else { throw noBreak("extend") }
        guard span.seconds > 0 else {
            throw ControlError(code: .invalidArgument, message: "An extension must be longer than zero, such as 10m.")
        }
        let now = rawNow.wholeMilliseconds
        brk.checkinAt = brk.checkinAt.addingTimeInterval(Double(span.seconds))
        brk.extensions += 1
        var renewed: Set<Int> = []
        for position in brk.reminders.indices where brk.dueDate(ofReminder: brk.reminders[position].index) > now {
            if brk.reminders[position].status != .pending { renewed.insert(brk.reminders[position].index) }
            brk.reminders[position].status = .pending
        }
        // A reminder that goes out again under the new time supersedes its unsent copy.
        state.outbox.removeAll { delivery in
            delivery.breakId == brk.id && delivery.reminderIndex.map(renewed.contains) == true
                && !inFlight.contains(delivery.id) && delivery.hold == nil
        }
        // What the services hold is for the old time: taken back, and handed over anew.
        let takenBack = takeBack(breakId: brk.id, now: now)
        state.activeBreak = brk
        handOffLater(brk, now: now)
        var effects: [Effect] =
            [
                .log(
                    LogEntry(
                        .notice, "Check-in moved by \(span) to \(Timestamp.format(brk.checkinAt)).",
                        fields: LogEntry.fields(of: brk).merging(["event": "extend"]) { $1 }))
            ] + takenBack
        if let message = brk.plan.extend {
            enqueue(message, event: .extend, for: brk, tag: "extend\(brk.extensions)", now: now)
        }
        effects += tick(now: now)
        return effects
    }

    // MARK: Time

    /// Everything due at `now`: reminders go out (late if their time has passed), before-
    /// reminders past the check-in are dropped, deliveries whose time has come are attempted.
    /// A reminder due within `lead` is queued now with its attempt set for its due time.
    public mutating func tick(now rawNow: Date) -> [Effect] {
        let now = rawNow.wholeMilliseconds
        var effects: [Effect] = []
        let horizon = now.addingTimeInterval(lead)
        if var brk = state.activeBreak {
            let due = brk.reminders.indices
                .filter {
                    brk.reminders[$0].status == .pending && brk.dueDate(ofReminder: brk.reminders[$0].index) <= horizon
                }
                .sorted {
                    brk.dueDate(ofReminder: brk.reminders[$0].index) < brk.dueDate(ofReminder: brk.reminders[$1].index)
                }
            for position in due {
                let index = brk.reminders[position].index
                let reminder = brk.plan.reminders[index]
                let dueAt = brk.dueDate(ofReminder: index)
                if reminder.offset.seconds < 0, now >= brk.checkinAt {
                    brk.reminders[position].status = .dropped
                    effects += settleHeldOfDropped(
                        brk, reminderIndex: index, round: brk.reminders[position].sentCount + 1, now: now)
                    effects.append(
                        .log(
                            LogEntry(
                                .warning,
                                "Reminder \(reminder.offset.offsetDescription) was not sent by the check-in time and is dropped, since it would now mislead.",
                                fields: LogEntry.fields(of: brk).merging([
                                    "event": "reminder", "offset_seconds": String(reminder.offset.seconds),
                                ]) { $1 })))
                    continue
                }
                brk.reminders[position].status = .sent
                brk.reminders[position].sentCount += 1
                state.activeBreak = brk
                let round = brk.reminders[position].sentCount
                let (sendHere, holdEffects) = releaseHeld(
                    brk, reminderIndex: index, round: round, channels: reminder.to, now: now)
                effects += holdEffects
                if !sendHere.isEmpty {
                    enqueue(
                        Plan.Message(to: sendHere, template: reminder.template), event: .reminder, for: brk,
                        tag: "r\(index).\(round)", due: dueAt, offset: reminder.offset.seconds, reminderIndex: index,
                        round: round, now: now
                    )
                }
            }
            state.activeBreak = brk
        }
        effects += sweepOutbox(now: now)
        closeAnswerWindows(now: now)
        // A message that could not be taken back is shown for an hour after its time.
        state.heldMessages.removeAll { $0.phase == .notCancelled && now.timeIntervalSince($0.dueAt) > 3600 }
        return effects
    }

    /// The next instant at which `tick` has something to do, if any.
    public func nextWake() -> Date? {
        var candidates: [Date] = []
        if let brk = state.activeBreak {
            for reminder in brk.reminders where reminder.status == .pending {
                candidates.append(brk.dueDate(ofReminder: reminder.index).addingTimeInterval(-lead))
            }
        }
        for window in state.answerWindows ?? [] {
            candidates.append(window.readUntil)
        }
        for delivery in state.outbox where !inFlight.contains(delivery.id) {
            candidates.append(delivery.nextAttemptAt)
            if let checkin = delivery.checkinAt, delivery.isBeforeReminder {
                candidates.append(checkin)
            }
        }
        return candidates.min()
    }

    // MARK: Records

    /// Carries the history and journal lines among `effects` in the state, so that they are
    /// saved with the change they describe and survive a kill before they are written.
    public mutating func holdRecords(of effects: [Effect]) {
        holdRecords(UnwrittenRecords(effects))
    }

    /// Adds `records` to what the state holds: history lines that could not be written
    /// yet stay until they are.
    mutating func holdRecords(_ records: UnwrittenRecords) {
        var held = state.unwritten ?? UnwrittenRecords()
        held.history += records.history
        held.journal += records.journal
        state.unwritten = held.isEmpty ? nil : held
    }

    /// The held records are written, all but `failed` history lines (a full disk, say),
    /// which the state keeps to be tried again.
    public mutating func recordsWritten(except failed: [HistoryRecord] = []) {
        state.unwritten = failed.isEmpty ? nil : UnwrittenRecords(history: failed)
    }

    // MARK: Deliveries

    /// Remembers the desktop notification shown for the running break `breakId`, and what
    /// it says, so it can be shown again after a restart.
    public mutating func notificationShown(_ shown: ShownNotification, text: String, urgent: Bool, breakId: String) {
        guard var brk = state.activeBreak, brk.id == breakId else { return }
        brk.notificationId = shown.id
        brk.notificationServer = shown.server
        brk.notificationText = text
        brk.notificationUrgent = urgent
        state.activeBreak = brk
    }

    /// The person dismissed the break's notification, or it expired: it is not shown again
    /// after a restart, and the next message makes a new one.
    public mutating func notificationClosed(_ shown: ShownNotification) {
        guard var brk = state.activeBreak, brk.shownNotification == shown else { return }
        brk.notificationId = nil
        brk.notificationServer = nil
        brk.notificationText = nil
        brk.notificationUrgent = nil
        state.activeBreak = brk
    }

    /// Records the result of an attempt started by an `.attempt` effect.
    public mutating func finished(deliveryId: String, result: AttemptResult, now rawNow: Date, jitter: Double)
        -> [Effect]
    {
        let now = rawNow.wholeMilliseconds
        inFlight.remove(deliveryId)
        guard let position = state.outbox.firstIndex(where: { $0.id == deliveryId }) else {
            return []
        }
        var delivery = state.outbox[position]
        delivery.attempts += 1
        if delivery.hold != nil {
            state.outbox[position] = delivery
            return finishedHold(delivery, at: position, result: result, now: now, jitter: jitter)
        }
        var fields = LogEntry.fields(of: delivery)
        fields["attempt"] = String(delivery.attempts)
        switch result.ordinary {
        case .delivered(let detail):
            state.outbox.remove(at: position)
            fields["late_seconds"] = String(format: "%.3f", now.timeIntervalSince(delivery.dueAt))
            return [
                .log(
                    LogEntry(
                        .info, "Delivered \(delivery.event.rawValue) to \(delivery.channel) (\(detail)).",
                        fields: fields))
            ]
        case .failed(let reason, let retryable, let retryAfter):
            delivery.lastError = reason
            if delivery.event == .reminder, delivery.breakId != state.activeBreak?.id {
                state.outbox.remove(at: position)
                return [
                    .log(
                        LogEntry(
                            .info,
                            "Dropped a reminder to \(delivery.channel) after a failed attempt: the break has ended. \(reason)",
                            fields: fields))
                ]
            }
            // A copy that was on its way when `extend` renewed its reminder: the renewed one
            // speaks of the new check-in, and this one would say the old time.
            if delivery.event == .reminder, let brk = state.activeBreak, let index = delivery.reminderIndex,
                let round = delivery.reminderRound, let current = brk.reminders.first(where: { $0.index == index }),
                current.status == .pending || current.sentCount > round
            {
                state.outbox.remove(at: position)
                return [
                    .log(
                        LogEntry(
                            .info,
                            "Dropped a reminder to \(delivery.channel) after a failed attempt: the check-in has moved and the reminder goes out again for the new time. \(reason)",
                            fields: fields))
                ]
            }
            guard retryable else {
                state.outbox.remove(at: position)
                return [
                    .log(
                        LogEntry(
                            .error, "Gave up on \(delivery.event.rawValue) to \(delivery.channel): \(reason)",
                            fields: fields))
                ]
            }
            let delay = RetryPolicy.delay(afterFailures: delivery.attempts, retryAfter: retryAfter, jitter: jitter)
            let next = now.addingTimeInterval(delay)
            guard next <= delivery.expiresAt else {
                state.outbox.remove(at: position)
                return [
                    .log(
                        LogEntry(
                            .error,
                            "Gave up on \(delivery.event.rawValue) to \(delivery.channel) after \(delivery.attempts) attempts, as its retry window has closed: \(reason)",
                            fields: fields))
                ]
            }
            delivery.nextAttemptAt = next.wholeMilliseconds
            state.outbox[position] = delivery
            return [
                .log(
                    LogEntry(
                        .warning,
                        "Attempt \(delivery.attempts) of \(delivery.event.rawValue) to \(delivery.channel) failed; trying again in \(String(format: "%.1f", delay)) s: \(reason)",
                        fields: fields))
            ]
        case .held, .cannotHold:
            return []
        }
    }

    /// Drops the outbox's stale before-reminders and expired deliveries, and starts the
    /// attempts that are due.
    private mutating func sweepOutbox(now: Date) -> [Effect] {
        var effects: [Effect] = []
        var kept: [Delivery] = []
        var closedHoldSteps: [Delivery] = []
        for delivery in state.outbox {
            if inFlight.contains(delivery.id) {
                kept.append(delivery)
            } else if delivery.hold != nil, now > delivery.expiresAt {
                closedHoldSteps.append(delivery)
            } else if delivery.hold == nil, delivery.isBeforeReminder, let checkin = delivery.checkinAt, now >= checkin
            {
                effects.append(
                    .log(
                        LogEntry(
                            .warning,
                            "Reminder \(Span(seconds: delivery.offsetSeconds ?? 0).offsetDescription) to \(delivery.channel) had not gone out by the check-in time and is dropped, since it would now mislead.",
                            fields: LogEntry.fields(of: delivery))))
            } else if now > delivery.expiresAt {
                effects.append(
                    .log(
                        LogEntry(
                            .error,
                            "Gave up on \(delivery.event.rawValue) to \(delivery.channel), as its retry window has closed.",
                            fields: LogEntry.fields(of: delivery))))
            } else {
                var delivery = delivery
                if delivery.nextAttemptAt <= now {
                    if delivery.template != nil {
                        delivery.render(now: now, with: values)
                    } else if delivery.hold == nil {
                        rerenderIfLate(&delivery, now: now)
                    }
                    inFlight.insert(delivery.id)
                    if delivery.hold == .handOff { handOffAttempted(delivery.id) }
                    effects.append(.attempt(delivery))
                }
                kept.append(delivery)
            }
        }
        state.outbox = kept
        for delivery in closedHoldSteps {
            effects += holdStepExpired(delivery, now: now)
        }
        return effects
    }

    /// For a reminder saved by an earlier version, which kept no template: one queued ahead
    /// of its time was rendered as on time. If the daemon was down across its time, it now
    /// goes out late, and its text must say so (`{late}`, and `{minutes_left}` as of now).
    private func rerenderIfLate(_ delivery: inout Delivery, now: Date) {
        guard delivery.event == .reminder, delivery.attempts == 0, delivery.createdAt <= delivery.dueAt,
            now.timeIntervalSince(delivery.dueAt) >= 1,
            let brk = state.activeBreak, brk.id == delivery.breakId,
            let index = delivery.reminderIndex, brk.plan.reminders.indices.contains(index)
        else { return }
        delivery.message = brk.plan.reminders[index].template.render(
            values.values(for: brk, due: delivery.dueAt, now: now))
        delivery.createdAt = now
    }

    private mutating func end(outcome: HistoryRecord.Outcome, now: Date) throws(ControlError) -> [Effect] {
        guard let brk = state.activeBreak else { throw noBreak(outcome == .back ? "back" : "cancel") }
        var effects: [Effect] = []
        let pending = brk.remindersToCome(now: now).count
        let event = outcome == .back ? "back" : "cancel"
        let dropped = pending == 1 ? "1 pending reminder is dropped" : "\(pending) pending reminders are dropped"
        effects.append(
            .log(
                LogEntry(
                    .notice, outcome == .back ? "Checked back in; \(dropped)." : "Break cancelled; \(dropped).",
                    fields: LogEntry.fields(of: brk).merging(["event": event]) { $1 })))
        // Reminders of an ended break would mislead ("still calming down" after coming back),
        // and so would a desktop notice of it, with buttons for a break that is over. One
        // being sent right now is left to finish: if it arrives, it is logged as delivered
        // (and a desktop one is closed again).
        state.outbox.removeAll { delivery in
            guard delivery.breakId == brk.id, !inFlight.contains(delivery.id), delivery.hold == nil else {
                return false
            }
            let onDesktop = settings.channels[delivery.channel]?.kind == .desktop
            guard delivery.event == .reminder || (onDesktop && [.announce, .extend].contains(delivery.event)) else {
                return false
            }
            let what = delivery.event == .reminder ? "reminder" : "\(delivery.event.rawValue) notification"
            effects.append(
                .log(
                    LogEntry(
                        .info, "Dropped an unsent \(what) to \(delivery.channel): the break has ended.",
                        fields: LogEntry.fields(of: delivery))))
            return true
        }
        var record = HistoryRecord(
            breakId: brk.id, plan: brk.plan.name, startedAt: brk.startedAt, promisedAt: brk.promisedAt,
            checkinAt: brk.checkinAt, endedAt: now, outcome: outcome, extensions: brk.extensions, note: brk.note
        )
        let notTakenBack = state.heldMessages.filter { $0.breakId == brk.id && $0.phase == .notCancelled }
        if !notTakenBack.isEmpty { record.notTakenBack = notTakenBack.map(\.dueAt) }
        record.answers = brk.answers?.map(AnswerEntry.init)
        openAnswerWindow(for: brk, endedAt: now, record: record)
        // What the services hold of it is taken back; one that cannot be in time amends this record.
        effects += takeBack(breakId: brk.id, now: now, ended: record)
        state.activeBreak = nil
        let message = outcome == .back ? brk.plan.back : brk.plan.cancel
        // The break's notification is closed as it ends (the executor closes
        // `brk.shownNotification`); a `[back]` or `[cancel]` message to the desktop is a
        // notification of its own, without buttons.
        if let message {
            // In `[back]`, `{late}` is how late the check-in itself was, on every attempt.
            enqueue(
                message, event: outcome == .back ? .back : .cancel, for: brk, tag: event,
                lateSince: outcome == .back ? brk.checkinAt : nil, now: now)
        }
        effects.append(.recordHistory(record))
        return effects + tick(now: now)
    }

    /// Puts one delivery per channel of `message` into the outbox, due now unless said.
    /// `lateSince` fixes `{late}` (and `{minutes_left}`) for every attempt, measured from that
    /// instant to now; otherwise both are rendered again at each attempt.
    mutating func enqueue(
        _ message: Plan.Message, event: Event, for brk: Break, tag: String,
        due: Date? = nil, offset: Int? = nil, reminderIndex: Int? = nil, round: Int? = nil, lateSince: Date? = nil,
        answer: String? = nil, now: Date
    ) {
        let dueAt = due ?? now
        // Rendered as of the moment it goes out: its due time, or now if that has passed.
        let sendAt = max(dueAt, now)
        var fixed = values.fixedValues(for: brk)
        if let lateSince {
            fixed[.late] = values.lateness(now.timeIntervalSince(lateSince))
            fixed[.minutesLeft] = values.minutesLeft(until: brk.checkinAt, now: now)
        }
        if let answer { fixed[.answer] = answer }
        let fixedByName = Dictionary(uniqueKeysWithValues: fixed.map { ($0.key.rawValue, $0.value) })
        for channel in message.to {
            let window = settings.channels[channel]?.retryWindow ?? Channel.defaultRetryWindow
            var delivery = Delivery(
                id: "\(brk.id)-\(tag)-\(channel)", event: event, channel: channel, breakId: brk.id, plan: brk.plan.name,
                message: "", checkinAt: brk.checkinAt, dueAt: dueAt, offsetSeconds: offset,
                reminderIndex: reminderIndex,
                createdAt: sendAt, expiresAt: sendAt.addingTimeInterval(Double(window.seconds)), nextAttemptAt: sendAt
            )
            delivery.reminderRound = round
            delivery.template = message.template
            delivery.fixedValues = fixedByName
            // Only a channel with an answers topic shows buttons, so only its copy holds the key.
            if let answers = message.answers, !answers.isEmpty, let key = brk.answersKey,
                settings.channels[channel]?.webhook?.answersUrl != nil
            {
                delivery.answers = answers
                delivery.answersKey = key
            }
            delivery.render(now: sendAt, with: values)
            state.outbox.append(delivery)
        }
    }

    private func noBreak(_ command: String) -> ControlError {
        ControlError(
            code: .noBreak,
            message: "No break is running, so there is nothing to \(command == "back" ? "come back from" : command).")
    }
}

extension Delivery {
    /// A reminder due before the check-in: it must not arrive after it.
    var isBeforeReminder: Bool {
        event == .reminder && (offsetSeconds ?? 0) < 0
    }
}
