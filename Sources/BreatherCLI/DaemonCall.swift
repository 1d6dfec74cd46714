import ArgumentParser
import BreatherCore
import Foundation

/// The shared path of every command that asks the daemon to do something.
enum DaemonCall {
    /// Sends one request and returns breatherd's answer, whatever it says. When breatherd
    /// cannot be reached, prints why on stderr and throws `ExitCode.failure`.
    static func ask(_ request: ControlRequest) throws -> ControlResponse {
        let client = ControlClient(paths: Output.paths, timeout: timeout(for: request.op))
        do {
            return try client.send(request)
        } catch {
            Output.error(error.message)
            throw ExitCode.failure
        }
    }

    /// `ask` for a request written as JSON ahead of time (`StatusCommand.requestJSON`).
    static func ask(json: String, operation: ControlRequest.Operation) throws -> ControlResponse {
        let client = ControlClient(paths: Output.paths, timeout: timeout(for: operation))
        do {
            return try client.send(json: Array(json.utf8))
        } catch {
            Output.error(error.message)
            throw ExitCode.failure
        }
    }

    /// Sends one request and prints the answer: the message on stdout when it went well,
    /// the error's sentence on stderr (and exit status 1) when it did not.
    static func perform(_ request: ControlRequest) throws {
        let response = try ask(request)
        try report(response)
    }

    /// Prints an answer as `perform` does; throws `ExitCode.failure` for a refusal.
    static func report(_ response: ControlResponse) throws {
        guard response.ok else {
            Output.error(refusal(response))
            throw ExitCode.failure
        }
        if let message = response.message, !message.isEmpty {
            Output.print(message)
        }
    }

    /// The sentence for a refused request.
    static func refusal(_ response: ControlResponse) -> String {
        if let message = response.error?.message, !message.isEmpty { return message }
        return "breatherd could not do that, and did not say why; `journalctl --user -u breather` may tell more."
    }

    /// How long to wait for an answer. `test` delivers a message before answering, so it
    /// may take as long as a webhook's own timeout; everything else answers at once.
    static func timeout(for operation: ControlRequest.Operation) -> TimeInterval {
        operation == .test ? 60 : 10
    }
}
