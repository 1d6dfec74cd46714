import Foundation

/// The rules that make something read from a service an answer of the partner, or not. Pure:
/// the same message and breaks give the same verdict.
///
/// An answer names its break: on ntfy the button carries the break's id and secret key; on
/// Matrix a reply or reaction points at one of Breather's messages of that break. It counts
/// only from the partner, only after the message it answers was sent, and only while the
/// break runs or within the hour after it ended (by the service's clock, so an answer that
/// arrived while breatherd was down still belongs to its break).
public enum AnswerMatching {
    /// ntfy: a message on the answers topic whose text is what a button of `breaks` carries.
    public static func ntfy(_ message: NtfyMessage, channel: String, breaks: [AnswerableBreak]) -> AnswerMatch {
        guard message.event == "message" else { return .ignored(.notAMessage) }
        if isOlder(message.at, than: breaks) { return .ignored(.older) }
        guard let button = message.message.flatMap(AnswerButton.parse) else { return .ignored(.notAnAnswer) }
        guard let target = breaks.first(where: { $0.breakId == button.breakId }) else {
            return .ignored(.unknownBreak)
        }
        guard let key = target.key, AnswerButton.sameKey(key, button.key) else { return .ignored(.wrongKey) }
        guard target.agreedAnswers.contains(button.answer) else { return .ignored(.notAgreed) }
        // ntfy's `time` is in whole seconds: a press in the second the break began is not early.
        let startSecond = target.startedAt.timeIntervalSince1970.rounded(.down)
        guard message.at.timeIntervalSince1970 >= startSecond - AnswerableBreak.clockSkew else {
            return .ignored(.beforeItsMessage)
        }
        guard target.isWithinTheHour(message.at) else { return .ignored(.afterTheHour) }
        guard !target.answered.contains(message.id) else { return .ignored(.alreadyKept) }
        return .answer(
            PartnerAnswer(
                id: message.id, breakId: target.breakId, text: button.answer, at: message.at, via: channel,
                kind: .button))
    }

    /// Matrix: an `m.room.message` replying to (`m.in_reply_to`), or an `m.reaction`
    /// (`m.annotation`) on, one of Breather's messages of `breaks`, from `partner`.
    public static func matrix(_ event: MatrixEvent, channel: String, partner: String, breaks: [AnswerableBreak])
        -> AnswerMatch
    {
        guard !event.isState else { return .ignored(.notAnAnswer) }
        if isOlder(event.at, than: breaks) { return .ignored(.older) }
        let kind: PartnerAnswer.Kind
        switch event.type {
        case "m.room.message": kind = .reply
        case "m.reaction": kind = .reaction
        default: return .ignored(.notAnAnswer)
        }
        if event.relType == "m.replace" { return .ignored(.edit) }
        if event.isRedacted { return .ignored(.redacted) }
        let targets: [String]
        switch kind {
        case .reaction:
            guard event.relType == "m.annotation", let on = event.relatedEventId else {
                return .ignored(.notAnAnswer)
            }
            targets = [on]
        default:
            // A reply in a thread that hangs from Breather's message answers it as well.
            let thread = event.relType == "m.thread" ? event.relatedEventId : nil
            targets = [event.inReplyTo, thread].compactMap { $0 }
            guard !targets.isEmpty else { return .ignored(.notAnAnswer) }
        }
        guard
            let (target, sentAt) = targets.lazy.compactMap({ id in
                breaks.lazy.compactMap { brk in brk.messageEvents[id].map { (brk, $0) } }.first
            }).first
        else {
            return .ignored(.unknownMessage)
        }
        guard event.sender == partner else { return .ignored(.otherSender) }
        let text = kind == .reaction ? event.reactionKey ?? "" : withoutReplyFallback(event.body ?? "")
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return .ignored(.empty) }
        guard event.at.timeIntervalSince(sentAt) >= -AnswerableBreak.clockSkew else {
            return .ignored(.beforeItsMessage)
        }
        guard target.isWithinTheHour(event.at) else { return .ignored(.afterTheHour) }
        guard !target.answered.contains(event.eventId) else { return .ignored(.alreadyKept) }
        return .answer(
            PartnerAnswer(
                id: event.eventId, breakId: target.breakId, text: text, at: event.at, via: channel, kind: kind))
    }

    /// Whether `at` is before every break that takes answers began: the history a first read
    /// of a room or topic brings back, not worth a look.
    static func isOlder(_ at: Date, than breaks: [AnswerableBreak]) -> Bool {
        guard let earliest = breaks.map(\.startedAt).min() else { return false }
        return at.timeIntervalSince(earliest) < -AnswerableBreak.clockSkew
    }

    /// A reply's own words: without the quoted lines (`> …`) older clients put before them,
    /// and without the whitespace around them.
    static func withoutReplyFallback(_ body: String) -> String {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.hasPrefix(">") == true else { return body.trimmingCharacters(in: .whitespacesAndNewlines) }
        while let first = lines.first, first.hasPrefix(">") { lines.removeFirst() }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
