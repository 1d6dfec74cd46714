import Foundation

/// One message of a break that a service holds, or is being handed, for its due time.
///
/// Saved in the state from the moment the hand-off is queued, so a restart neither loses the
/// handle nor hands the message over twice: every attempt carries the same `key` (the ntfy
/// sequence id, the Matrix transaction id).
public struct HeldMessage: Hashable, Sendable, Codable {
    public enum Phase: String, Hashable, Sendable, Codable {
        /// The hand-off is queued or on its way; the service has not answered yet.
        case handingOff
        /// The service holds it for `dueAt`.
        case held
        /// Its time has come: the service is asked to deliver it now.
        case releasing
        /// The break ended or moved: the service is asked to drop it.
        case cancelling
        /// It could not be taken back before its time; the partner may have received it.
        case notCancelled
        /// The service sent it as it was handed over (one that ignores the delay): it is out,
        /// and nothing more is sent for it.
        case delivered
    }

    /// The hand-off's delivery id, and the key the service knows the message by.
    public var key: String
    public var breakId: String
    public var channel: String
    public var reminderIndex: Int
    /// Which sending of the reminder it is (see `Break.ReminderState.sentCount`).
    public var round: Int
    public var dueAt: Date
    /// The text as handed over: a release publishes the same words again (ntfy).
    public var message: String
    /// The reminder's offset, for the journal (the plan may be gone by the time it is needed).
    public var offsetSeconds: Int
    /// The service, as it was when the message was handed over.
    public var preset: Webhook.Preset
    /// A hand-off attempt has started: without a clear answer, the service may hold it, so
    /// it is never sent again under another key.
    public var attempted: Bool
    public var phase: Phase
    /// Matrix's `delay_id`: it controls the message without a login, so it is a secret,
    /// kept in the state file only, never logged or shown.
    public var handle: String?
    /// The break ended or moved while the hand-off was on its way: cancel once it is held.
    public var cancelWanted: Bool
    /// Its time came while the hand-off was on its way: release once it is held.
    public var releaseWanted: Bool
    /// For one taken back as its break ended: that break's history record, amended and
    /// written again if the message cannot be taken back in time.
    public var endedRecord: HistoryRecord?

    public init(
        key: String, breakId: String, channel: String, reminderIndex: Int, round: Int, dueAt: Date, message: String,
        offsetSeconds: Int, preset: Webhook.Preset, phase: Phase = .handingOff
    ) {
        self.message = message
        self.offsetSeconds = offsetSeconds
        self.preset = preset
        self.attempted = false
        self.key = key
        self.breakId = breakId
        self.channel = channel
        self.reminderIndex = reminderIndex
        self.round = round
        self.dueAt = dueAt
        self.phase = phase
        self.cancelWanted = false
        self.releaseWanted = false
    }

    /// How long after its due time the message may still be taken back: ntfy's own copy goes
    /// out `HoldStep.ntfyMargin` after it; a Matrix server sends it at its time exactly.
    public var takeBackWindow: Double {
        preset == .ntfy ? HoldStep.ntfyMargin - 5 : 0
    }

    /// How long after its due time a release is still asked for (see `HoldStep`).
    public var releaseWindow: Double {
        HoldStep.releaseWindow(for: preset)
    }

    /// The hand-off key for a reminder's sending to a channel: ntfy takes `[-_A-Za-z0-9]`,
    /// at most 64 characters, as a sequence id, and Matrix any transaction id.
    public static func key(breakId: String, reminderIndex: Int, round: Int, extensions: Int, channel: String)
        -> String
    {
        let safeChannel = String(
            channel.unicodeScalars.map { scalar in
                scalar.isASCII && (isAlphanumeric(scalar) || scalar == "-" || scalar == "_")
                    ? Character(scalar) : "_"
            })
        return String("\(breakId)-h\(reminderIndex)-\(round)-\(extensions)-\(safeChannel)".prefix(64))
    }

    /// ASCII letters and digits, without Foundation's Unicode-wide sets.
    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
