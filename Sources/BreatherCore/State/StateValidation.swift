import Foundation

extension BreatherState {
    /// The largest span or offset a state file may hold (ten years): past it, times stop
    /// being printable and arithmetic could overflow.
    static let maximumSeconds = 10 * 366 * 86400
    static let earliest = Date(timeIntervalSince1970: 0)
    static let latest = Date(timeIntervalSince1970: 32_503_680_000)  // the year 3000
    static let maximumCount = 1_000_000

    /// Why a state that decoded cannot be trusted, in words that finish the sentence
    /// "…could not be used because …"; nil when it is consistent. The machine relies on
    /// this: a reminder index outside its plan, say, would otherwise crash it.
    public var inconsistency: String? {
        if let brk = activeBreak, let problem = brk.inconsistency {
            return "its running break \(problem)"
        }
        for delivery in outbox {
            if let problem = delivery.inconsistency {
                return "its delivery \(delivery.id.prefix(64)) \(problem)"
            }
        }
        return nil
    }
}

extension Break {
    var inconsistency: String? {
        let indices = reminders.map(\.index)
        guard indices.count == plan.reminders.count, Set(indices) == Set(plan.reminders.indices) else {
            return "has reminders that do not match its plan"
        }
        guard (0...BreatherState.maximumCount).contains(extensions),
            reminders.allSatisfy({ (0...BreatherState.maximumCount).contains($0.sentCount) })
        else { return "has an impossible count" }
        let spans = [plan.duration.seconds] + plan.reminders.map(\.offset.seconds)
        guard spans.allSatisfy({ abs($0) <= BreatherState.maximumSeconds }) else {
            return "has a duration or offset longer than ten years"
        }
        guard [startedAt, promisedAt, checkinAt].allSatisfy(Delivery.isSane), startedAt <= promisedAt,
            promisedAt <= checkinAt
        else {
            return "has times out of order or out of range"
        }
        return nil
    }
}

extension Delivery {
    static func isSane(_ date: Date) -> Bool {
        date >= BreatherState.earliest && date <= BreatherState.latest
    }

    var inconsistency: String? {
        guard (0...BreatherState.maximumCount).contains(attempts) else { return "has an impossible attempt count" }
        guard abs(offsetSeconds ?? 0) <= BreatherState.maximumSeconds, (reminderIndex ?? 0) >= 0 else {
            return "has an impossible offset"
        }
        let dates = [dueAt, createdAt, expiresAt, nextAttemptAt] + (checkinAt.map { [$0] } ?? [])
        guard dates.allSatisfy(Delivery.isSane) else { return "has a time out of range" }
        return nil
    }
}
