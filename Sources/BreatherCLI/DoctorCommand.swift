import ArgumentParser
import BreatherCore
import Foundation

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that Breather can keep its promises here.",
        discussion: """
            Prints one line per check: whether breatherd answers, the control socket's mode, \
            the configuration, the session bus and notification server, each webhook channel \
            (its host resolves, its secret files are private), and lingering. A line starts \
            with `ok` when all is well, `!!` when something needs doing (the line says what), \
            or `--` when the check was not made or is not needed. Exits with status 1 when any \
            line starts with `!!`. Changes nothing and runs nothing else.

            Example: breather doctor
            """
    )

    func run() throws {
        let findings = DoctorChecks(environment: ProcessInfo.processInfo.environment).run()
        Output.print(findings.map(\.line).joined(separator: "\n"))
        if findings.contains(where: { $0.verdict == .problem }) {
            throw ExitCode.failure
        }
    }
}
