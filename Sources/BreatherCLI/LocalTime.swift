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

    /// The convention of the locale the POSIX variables in `environment` name.
    static func current(environment: [String: String]) -> LocalTime {
        current(variable: { environment[$0] })
    }

    /// The convention of this process's environment (or of what `variable` reads).
    static func current(variable: (String) -> String? = Output.variable) -> LocalTime {
        guard let identifier = localeIdentifier(variable: variable) else { return .twentyFourHour }
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
        localeIdentifier(variable: { environment[$0] })
    }

    /// The same, reading each variable through `variable`.
    static func localeIdentifier(variable: (String) -> String?) -> String? {
        var found: String?
        for name in ["LC_ALL", "LC_TIME", "LANG"] {
            if let value = variable(name), !value.isEmpty {
                found = value
                break
            }
        }
        guard let value = found else { return nil }
        let bare = value.split(separator: ".", maxSplits: 1).first.map(String.init) ?? value
        let name = bare.split(separator: "@", maxSplits: 1).first.map(String.init) ?? bare
        guard !name.isEmpty, name != "C", name != "POSIX" else { return nil }
        return name
    }

    /// The time of day from its hour (0–23) and minute.
    func format(hour: Int, minute: Int) -> String {
        switch cycle {
        case .twentyFourHour:
            return "\(Self.twoDigits(hour)):\(Self.twoDigits(minute))"
        case .twelveHour(let am, let pm, let periodFirst):
            let shown = hour % 12 == 0 ? 12 : hour % 12
            let period = hour < 12 ? am : pm
            let time = "\(shown):\(Self.twoDigits(minute))"
            return periodFirst ? "\(period) \(time)" : "\(time) \(period)"
        }
    }

    /// `07` from 7: `String(format: "%02d")` without Foundation's formatter, which would
    /// start CoreFoundation's string machinery in every `breather status`.
    static func twoDigits(_ number: Int) -> String {
        zeroPadded(number, width: 2)
    }

    /// The decimal digits of `number`, with zeros in front up to `width` (`%0Nd`).
    static func zeroPadded(_ number: Int, width: Int) -> String {
        let digits = String(number.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count - (number < 0 ? 1 : 0)))
        return (number < 0 ? "-" : "") + padding + digits
    }
}
