/// The checks that need more than one file: code words that clash, and `default_plan`.
enum CrossFileChecks {
    /// A code word must pick out one plan: the same word in two plans (in any case) is an
    /// error on the later plan, and a code word that is another plan's name is an error
    /// on the plan that has the code word. Either makes that plan invalid.
    static func checkCodeWords(_ planFiles: inout [Configuration.PlanFile], codeWordLines: [Int?]) {
        let names = planFiles.map(\.name)
        var claimed: [String: String] = [:]
        for index in planFiles.indices {
            guard let plan = planFiles[index].plan, let word = plan.codeWord else { continue }
            let key = word.lowercased()
            let message: String
            if let other = names.first(where: { $0 != plan.name && $0.lowercased() == key }) {
                message =
                    "code_word \(TOMLKeyText.quoted(word)) is also the name of plan \(TOMLKeyText.display(other)); choose another word."
            } else if let other = claimed[key] {
                message =
                    "code_word \(TOMLKeyText.quoted(word)) is already the code word of plan \(TOMLKeyText.display(other)); choose another word."
            } else {
                claimed[key] = plan.name
                continue
            }
            let line = index < codeWordLines.count ? codeWordLines[index] : nil
            planFiles[index].diagnostics.append(
                Diagnostic(file: planFiles[index].path, line: line ?? 1, message: message))
            planFiles[index].plan = nil
        }
    }

    /// `default_plan` must name a plan file that loaded without errors.
    static func checkDefaultPlan(
        _ name: String?, line: Int?, settingsFile: String, plansDirectory: String, planFiles: [Configuration.PlanFile]
    ) -> [Diagnostic] {
        guard let name else { return [] }
        let shown = TOMLKeyText.quoted(name)
        let message: String
        if let file = planFiles.first(where: { $0.name == name }) {
            guard !file.isValid else { return [] }
            message = "default_plan \(shown) names a plan that has errors; fix \(file.path) first."
        } else {
            let expected = Paths.join(plansDirectory, name + ".toml")
            message = "default_plan \(shown) names a plan that does not exist; there is no \(expected)."
        }
        return [Diagnostic(file: settingsFile, line: line ?? 1, message: message)]
    }
}
