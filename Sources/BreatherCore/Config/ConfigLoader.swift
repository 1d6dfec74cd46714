import Foundation

/// Reads breather.toml and every plan in the plans folder.
///
/// Never throws and never stops early: every problem becomes a `file:line: message`
/// diagnostic, a plan with any problem is loaded as invalid (`plan == nil`), and the
/// other plans load regardless.
public enum ConfigLoader {
    public static func load(_ paths: Paths) -> Configuration {
        let settings = loadSettings(paths)
        var planFiles: [Configuration.PlanFile] = []
        var codeWordLines: [Int?] = []
        let found = planPaths(in: paths.plansDirectory)
        for (name, path) in found {
            let (file, codeWordLine) = loadPlan(name: name, path: path, channelNames: settings.parsed.channelNames)
            planFiles.append(file)
            codeWordLines.append(codeWordLine)
        }
        var settingsDiagnostics = settings.parsed.diagnostics
        CrossFileChecks.checkCodeWords(&planFiles, codeWordLines: codeWordLines)
        let references = CrossFileChecks.checkDefaultPlan(
            settings.parsed.settings.defaultPlan,
            line: settings.defaultPlanLine,
            settingsFile: paths.settingsFile,
            plansDirectory: paths.plansDirectory,
            planFiles: planFiles
        )
        settingsDiagnostics += references
        var configuration = Configuration(
            settings: settings.parsed.settings, settingsDiagnostics: settingsDiagnostics, planFiles: planFiles)
        configuration.referenceDiagnostics = references
        return configuration
    }

    // MARK: breather.toml

    struct LoadedSettings {
        var parsed: SettingsParser.Result
        var defaultPlanLine: Int?
    }

    private static func loadSettings(_ paths: Paths) -> LoadedSettings {
        let file = paths.settingsFile
        func failed(_ diagnostic: Diagnostic) -> LoadedSettings {
            LoadedSettings(
                parsed: SettingsParser.Result(settings: Settings(), channelNames: [], diagnostics: [diagnostic]),
                defaultPlanLine: nil)
        }
        switch TOMLSource.load(file) {
        case .failure(.missing):
            return failed(
                Diagnostic(
                    file: file, line: nil,
                    message:
                        "there is no settings file here; run \"breather init\" to create one, or copy the example breather.toml from the config/ folder of Breather's sources."
                ))
        case .failure(.unusable(let diagnostic)):
            return failed(diagnostic)
        case .success(let source):
            let parsed = SettingsParser(paths: paths).parse(source.table, reader: source.reader)
            return LoadedSettings(parsed: parsed, defaultPlanLine: source.reader.line(of: ["default_plan"]))
        }
    }

    // MARK: Plans

    /// The `*.toml` files of the plans folder, not hidden, sorted by name, as (stem, path).
    static func planPaths(in directory: String) -> [(name: String, path: String)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return
            entries
            .filter { !$0.hasPrefix(".") && $0.hasSuffix(".toml") && $0.count > ".toml".count }
            .sorted()
            .map { (name: String($0.dropLast(".toml".count)), path: Paths.join(directory, $0)) }
    }

    /// One plan file, and the line of its code word (for the cross-file checks).
    private static func loadPlan(name: String, path: String, channelNames: Set<String>) -> (
        Configuration.PlanFile, Int?
    ) {
        switch TOMLSource.load(path) {
        case .failure(.missing):
            let diagnostic = Diagnostic(file: path, line: nil, message: "the file disappeared while it was being read.")
            return (Configuration.PlanFile(name: name, path: path, plan: nil, diagnostics: [diagnostic]), nil)
        case .failure(.unusable(let diagnostic)):
            return (Configuration.PlanFile(name: name, path: path, plan: nil, diagnostics: [diagnostic]), nil)
        case .success(let source):
            let plan = PlanParser(name: name, channelNames: channelNames).parse(source.table, reader: source.reader)
            let file = Configuration.PlanFile(
                name: name, path: path, plan: plan, diagnostics: source.reader.sortedDiagnostics)
            return (file, source.reader.line(of: ["code_word"]))
        }
    }
}
