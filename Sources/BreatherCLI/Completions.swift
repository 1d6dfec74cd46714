import ArgumentParser
import BreatherCore
import Foundation

/// Words the shells complete, read from the config folder at the moment of completion.
///
/// A completion runs inside the shell while someone types: it never prints, never fails
/// and never waits for breatherd. Anything it cannot read, it leaves out.
enum Completions {
    /// Plan names and code words, for `breather start <TAB>`.
    static let plansAndCodeWords = CompletionKind.custom { _, _, prefix in
        planWords(paths: Paths(environment: ProcessInfo.processInfo.environment), prefix: prefix)
    }

    /// The plans' names and the code words of the valid ones, sorted, without repeats,
    /// starting with `prefix` (case-insensitively, as code words match).
    static func planWords(paths: Paths, prefix: String = "") -> [String] {
        let configuration = ConfigLoader.load(paths)
        var words = Set(configuration.planFiles.map(\.name))
        for plan in configuration.planFiles.compactMap(\.plan) {
            if let word = plan.codeWord, !word.isEmpty { words.insert(word) }
        }
        let lowered = prefix.lowercased()
        return
            words
            .filter { lowered.isEmpty || $0.lowercased().hasPrefix(lowered) }
            .filter { !$0.contains(where: \.isWhitespace) }
            .sorted()
    }
}
