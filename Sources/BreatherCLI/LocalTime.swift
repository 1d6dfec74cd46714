import Foundation

/// How a person's locale writes a time of day: `14:35`, or `2:35 PM` (or `오후 2:35`).
///
/// The locale comes from the POSIX variables in their order of precedence, `LC_ALL`, then
/// `LC_TIME`, then `LANG`; `C` and `POSIX` (and nothing set) mean the 24-hour clock. The
/// locale's own pattern for the hour (`DateFormatter.dateFormat(fromTemplate: "j", …)`)
/// decides: one with an `a` in it is a 12-hour clock.
struct LocalTime: Hashable, Sendable {
    enum Cycle: Hashable, Sendable {
        case twentyFourHour
        /// The day-period words of the locale (`AM`/`PM`, `am`/`pm`, `午前`/`午後`) and
        /// whether they come before the hour.
        case twelveHour(am: String, pm: String, periodFirst: Bool)
    }

    var cycle: Cycle

    static let twentyFourHour = LocalTime(cycle: .twentyFourHour)
    static let twelveHour = LocalTime(cycle: .twelveHour(am: "AM", pm: "PM", periodFirst: false))

    /// The convention of this process's environment.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> LocalTime {
        guard let identifier = localeIdentifier(environment: environment) else { return .twentyFourHour }
        return LocalTime(locale: Locale(identifier: identifier))
    }

    /// The convention of one locale.
    init(locale: Locale) {
        let pattern = DateFormatter.dateFormat(fromTemplate: "j", options: 0, locale: locale) ?? "HH"
        guard let period = pattern.firstIndex(of: "a") else {
            self.cycle = .twentyFourHour
            return
        }
        let formatter = DateFormatter()
        formatter.locale = locale
        let hour = pattern.firstIndex { $0 == "h" || $0 == "K" } ?? pattern.endIndex
        let am = formatter.amSymbol.isEmpty ? "AM" : formatter.amSymbol
        let pm = formatter.pmSymbol.isEmpty ? "PM" : formatter.pmSymbol
        self.cycle = .twelveHour(am: am, pm: pm, periodFirst: period < hour)
    }

    init(cycle: Cycle) {
        self.cycle = cycle
    }

    /// `en_US` from `en_US.UTF-8@euro`; nil for `C`, `POSIX` or nothing at all.
    static func localeIdentifier(environment: [String: String]) -> String? {
        let value = ["LC_ALL", "LC_TIME", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        guard let value else { return nil }
        let bare = value.split(separator: ".", maxSplits: 1).first.map(String.init) ?? value
        let name = bare.split(separator: "@", maxSplits: 1).first.map(String.init) ?? bare
        guard !name.isEmpty, name != "C", name != "POSIX" else { return nil }
        return name
    }

    /// The time of day from its hour (0–23) and minute.
    func format(hour: Int, minute: Int) -> String {
        switch cycle {
        case .twentyFourHour:
            return String(format: "%02d:%02d", hour, minute)
        case .twelveHour(let am, let pm, let periodFirst):
            let shown = hour % 12 == 0 ? 12 : hour % 12
            let period = hour < 12 ? am : pm
            let time = String(format: "%d:%02d", shown, minute)
            return periodFirst ? "\(period) \(time)" : "\(time) \(period)"
        }
    }
}
