import ArgumentParser
import BreatherCore
import Foundation
import Testing

@testable import BreatherCLI

func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct CompletionTests {
    @Test func planNamesAndCodeWords() throws {
        let paths = scratchPaths()
        _ = try InitSetup.gather(
            .init(me: "Sam", partner: "Alex", reach: .webhook(.json), url: "https://hooks.example.org/x"), prompter: nil
        ).install(paths)
        try Data("not = [valid".utf8).write(to: URL(fileURLWithPath: Paths.join(paths.plansDirectory, "broken.toml")))
        #expect(
            Completions.planWords(paths: paths) == [
                "broken", "cool-down", "lighthouse", "long-walk", "pineapple", "short-pause", "teapot",
            ])
        #expect(Completions.planWords(paths: paths, prefix: "PI") == ["pineapple"])
        #expect(
            Completions.planWords(
                paths: Paths(
                    configDirectory: "/nonexistent/breather", stateDirectory: "/nonexistent", runtimeDirectory: nil))
                == [])
    }

    @Test func bashLoadsTheScriptWithoutError() throws {
        let script = BreatherCommand.completionScript(for: .bash)
        let file = NSTemporaryDirectory() + "breather-completion-\(UUID().uuidString.prefix(8)).bash"
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try run("/bin/bash", ["-c", "set -e; source \"$1\"; complete -p breather", "bash", file])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == "complete -o filenames -F _breather breather\n")
    }

    @Test func everyShellGetsAScriptThatKnowsTheCommands() throws {
        for shell in [CompletionShell.bash, .zsh, .fish] {
            let script = BreatherCommand.completionScript(for: shell)
            for name in ["start", "status", "history", "init", "doctor"] {
                #expect(script.contains(name), "\(shell) script lacks \(name)")
            }
            #expect(script.contains("---completion start"), "\(shell) script does not ask breather for plan names")
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh") {
            let file = NSTemporaryDirectory() + "_breather-\(UUID().uuidString.prefix(8))"
            try Data(BreatherCommand.completionScript(for: .zsh).utf8).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(try run("/usr/bin/zsh", ["-n", file]).status == 0)
        }
    }
}

@Suite struct ManualPageTests {
    @Test func pageMatchesGolden() throws {
        try Golden.check(ManualPage.render(BreatherCommand.self), against: "breather.1")
    }

    @Test func everyCommandHasASection() {
        let page = ManualPage.render(BreatherCommand.self)
        #expect(page.hasPrefix(".TH BREATHER 1"))
        for command in BreatherCommand.configuration.subcommands {
            #expect(page.contains(".SS \"breather \(command._commandName)\""), "\(command._commandName)")
        }
        for line in page.split(separator: "\n") where !line.hasPrefix(".") {
            #expect(!line.hasPrefix("'"), "\(line)")
        }
    }

    @Test func escaping() {
        #expect(ManualPage.escape(".hidden --for a\\b") == "\\&.hidden \\-\\-for a\\eb")
    }
}
