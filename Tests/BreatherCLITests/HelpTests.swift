import ArgumentParser
import Foundation
import Testing

@testable import BreatherCLI

/// The help of every command, compared with `Golden/NAME.txt`.
/// Run with `BREATHER_UPDATE_GOLDEN=1` to rewrite the golden files after a deliberate change.
@Suite struct HelpTests {
    static let commands: [(String, any ParsableCommand.Type)] = [
        ("breather", BreatherCommand.self),
        ("start", StartCommand.self),
        ("back", BackCommand.self),
        ("extend", ExtendCommand.self),
        ("cancel", CancelCommand.self),
        ("status", StatusCommand.self),
        ("plans", PlansCommand.self),
        ("check", CheckCommand.self),
        ("history", HistoryCommand.self),
        ("test", TestCommand.self),
        ("reload", ReloadCommand.self),
        ("doctor", DoctorCommand.self),
        ("init", InitCommand.self),
    ]

    @Test(arguments: HelpTests.commands.map(\.0))
    func helpMatchesGolden(name: String) throws {
        let command = try #require(HelpTests.commands.first { $0.0 == name }).1
        let help = BreatherCommand.helpMessage(for: command, columns: 80)
        try Golden.check(help, against: "help-\(name).txt")
    }

    @Test func everySubcommandIsListed() {
        let names = BreatherCommand.configuration.subcommands.map { $0._commandName }
        #expect(
            names == [
                "start", "back", "extend", "cancel", "status", "plans", "check", "history", "test", "reload", "doctor",
                "init",
            ])
    }

    @Test(arguments: HelpTests.commands.dropFirst().map(\.0))
    func everyHelpHasAnExample(name: String) throws {
        let command = try #require(HelpTests.commands.first { $0.0 == name }).1
        #expect(command.configuration.discussion.contains("Example: breather \(name)"))
    }
}

/// Golden files next to this source file, in `Golden/`.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var updating: Bool {
        ProcessInfo.processInfo.environment["BREATHER_UPDATE_GOLDEN"] == "1"
    }

    static func check(_ actual: String, against name: String, sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let file = directory.appendingPathComponent(name)
        let text = actual.hasSuffix("\n") ? actual : actual + "\n"
        if updating {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
            return
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            Issue.record(
                "Golden/\(name) is missing; run the tests with BREATHER_UPDATE_GOLDEN=1 to write it.",
                sourceLocation: sourceLocation)
            return
        }
        #expect(
            text == String(decoding: data, as: UTF8.self),
            "Golden/\(name) differs; rerun with BREATHER_UPDATE_GOLDEN=1 if the change is intended.",
            sourceLocation: sourceLocation)
    }
}
