import BreatherCore
import Foundation

/// The control socket's requests, each turned into a command for the executor or answered
/// from the state.
extension Engine {
    /// Answers one control request. Called from any thread; `reply` runs on the queue, or,
    /// for `test`, when the delivery has its answer.
    func handle(_ request: ControlRequest, reply: @escaping @Sendable (ControlResponse) -> Void) {
        run { [self] in
            if let resolved = CommandResolver.command(for: request, in: configuration, newBreakId: Engine.newBreakId) {
                switch resolved {
                case .success(let command): reply(execute(command))
                case .failure(let error): reply(ControlResponse(ok: false, error: error))
                }
                return
            }
            switch request.op {
            case .status:
                reply(
                    .success(
                        ReplyWording.statusSentence(for: machine.state, values: machine.values),
                        status: StatusReport(state: machine.state, now: clock.now())
                    ))
            case .reload: reply(reload())
            case .test:
                ChannelTest(configuration: configuration, transport: transport, logger: logger).run(
                    request, reply: reply)
            case .checkChannel:
                ChannelTest(configuration: configuration, transport: transport, logger: logger).check(
                    request, reply: reply)
            default: reply(.success("breatherd is running."))
            }
        }
    }

    static func newBreakId() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))
    }
}
