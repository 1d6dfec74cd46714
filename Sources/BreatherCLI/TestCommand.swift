import ArgumentParser
import BreatherCore

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a test message through one channel now.",
        discussion: """
            Delivers a test message through a channel defined in breather.toml, so you can see \
            that it arrives before you rely on it.

            Example: breather test alex
            """
    )

    @Argument(help: ArgumentHelp("The channel's name in breather.toml.", valueName: "channel"))
    var channel: String

    func run() throws {
        try DaemonCall.perform(ControlRequest(op: .test, channel: channel))
    }
}
