import BreatherCore
import Foundation

/// One plan file as `breather plans --json` prints it.
struct PlanSummary: Encodable, Hashable, Sendable {
    var name: String
    var path: String
    var valid: Bool
    var durationSeconds: Int?
    var codeWord: String?
    var description: String?
    var errors: [String]

    init(_ file: Configuration.PlanFile) {
        name = file.name
        path = file.path
        valid = file.isValid
        durationSeconds = file.plan?.duration.seconds
        codeWord = file.plan?.codeWord
        description = file.plan?.description
        errors = file.diagnostics.map(\.description)
    }

    enum CodingKeys: String, CodingKey {
        case name, path, valid, durationSeconds, codeWord, description, errors
    }

    /// Every key is always there; an invalid plan has `null` for what it could not say.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(path, forKey: .path)
        try container.encode(valid, forKey: .valid)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(codeWord, forKey: .codeWord)
        try container.encode(description, forKey: .description)
        try container.encode(errors, forKey: .errors)
    }
}

/// The human form of `breather plans`: one line per plan file, in columns, with the
/// diagnostics of an invalid one under it.
///
/// ```
/// cool-down (default)  30m  pineapple  Step away from an argument to calm down
/// quick                15m  -          A short pause
/// broken               invalid: /home/sam/.config/breather/plans/broken.toml:3: …
/// ```
enum PlansText {
    static func render(_ configuration: Configuration, plansDirectory: String) -> String {
        let files = configuration.planFiles
        guard !files.isEmpty else {
            return "There are no plans yet; add one as a .toml file in \(plansDirectory)."
        }
        let defaultPlan = configuration.settings.defaultPlan
        let names = files.map { $0.name == defaultPlan ? "\($0.name) (default)" : $0.name }
        let nameWidth = names.map(\.count).max() ?? 0
        let valid = files.compactMap(\.plan)
        let durationWidth = valid.map(\.duration.description.count).max() ?? 0
        let wordWidth = valid.map { ($0.codeWord ?? "-").count }.max() ?? 0

        var lines: [String] = []
        for (file, name) in zip(files, names) {
            let paddedName = name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            guard let plan = file.plan else {
                let problems = file.diagnostics.map(\.description)
                lines.append("\(paddedName)  invalid: \(problems.first ?? "this plan could not be read.")")
                let indent = String(repeating: " ", count: nameWidth + 2 + "invalid: ".count)
                lines += problems.dropFirst().map { indent + $0 }
                continue
            }
            let fields = [
                paddedName,
                plan.duration.description.padding(toLength: durationWidth, withPad: " ", startingAt: 0),
                (plan.codeWord ?? "-").padding(toLength: wordWidth, withPad: " ", startingAt: 0),
                plan.description,
            ]
            lines.append(fields.joined(separator: "  ").trimmingTrailingSpaces())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
