/// Everything read from the config folder at one moment: the settings, every plan file
/// with its own verdict, and the problems found.
///
/// One bad plan never keeps the others from loading: `plans` holds the valid ones, and
/// `planFiles` every file, valid or not, for `breather plans`.
public struct Configuration: Sendable {
    public struct PlanFile: Sendable, Hashable, Codable {
        public var name: String
        public var path: String
        public var plan: Plan?
        public var diagnostics: [Diagnostic]

        public init(name: String, path: String, plan: Plan?, diagnostics: [Diagnostic]) {
            self.name = name
            self.path = path
            self.plan = plan
            self.diagnostics = diagnostics
        }

        public var isValid: Bool { plan != nil }
    }

    public var settings: Settings
    /// Problems in breather.toml itself, and cross-file ones (a `default_plan` that names a
    /// missing or invalid plan, a code word used twice).
    public var settingsDiagnostics: [Diagnostic]
    /// Those of `settingsDiagnostics` that are about another file (a `default_plan` naming a
    /// missing or broken plan): breather.toml's names and channels are sound regardless.
    public var referenceDiagnostics: [Diagnostic] = []
    public var planFiles: [PlanFile]

    public init(settings: Settings, settingsDiagnostics: [Diagnostic], planFiles: [PlanFile]) {
        self.settings = settings
        self.settingsDiagnostics = settingsDiagnostics
        self.planFiles = planFiles
    }

    /// The valid plans by name.
    public var plans: [String: Plan] {
        var plans: [String: Plan] = [:]
        for file in planFiles {
            if let plan = file.plan { plans[file.name] = plan }
        }
        return plans
    }

    /// Whether breather.toml's own names and channels can be used: its only problems, if
    /// any, are about other files.
    public var settingsAreSound: Bool {
        settingsDiagnostics.allSatisfy(referenceDiagnostics.contains)
    }

    /// Every problem, settings first, then plans by name.
    public var diagnostics: [Diagnostic] {
        settingsDiagnostics + planFiles.flatMap(\.diagnostics)
    }

    /// The plan a word names: a plan's name first, then a code word (case-insensitive).
    public func plan(named word: String) -> Plan? {
        let valid = planFiles.compactMap(\.plan)
        return valid.first { $0.name == word } ?? valid.first { $0.matches(word) }
    }
}
