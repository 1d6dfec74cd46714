import BreatherCore
import Foundation
import Logging

/// `breather test CHANNEL`: one message through one channel now, outside any break and
/// outside the outbox; the reply waits for the channel's answer.
struct ChannelTest {
    let configuration: Configuration
    let transport: any DeliveryTransport
    let logger: Logger

    func run(_ request: ControlRequest, reply: @escaping @Sendable (ControlResponse) -> Void) {
        guard let (name, channel) = channel(of: request, reply: reply) else { return }
        let now = Date().wholeMilliseconds
        let delivery = Delivery(
            id: "test-" + Engine.newBreakId(), event: .test, channel: name, breakId: nil, plan: nil,
            message:
                "This is a test from Breather: messages for \(configuration.settings.partner) through \(name) will arrive like this.",
            checkinAt: nil, dueAt: now, offsetSeconds: nil, createdAt: now, expiresAt: now, nextAttemptAt: now
        )
        let logger = self.logger
        let transport = self.transport
        transport.send(delivery, through: channel, replacing: nil) { result, _ in
            var fields: Logger.Metadata = [
                "event": "test", "channel": .string(name), "delivery_id": .string(delivery.id),
            ]
            switch result.ordinary {
            case .failed(let reason, _, _):
                fields["outcome"] = "failed"
                logger.warning("Test message through \(name) failed: \(reason)", metadata: fields)
                reply(
                    .failure(
                        .deliveryFailed,
                        "The test message through \(name) failed: \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason); check the channel's settings in breather.toml."
                    ))
            case .delivered(let detail):
                fields["outcome"] = "delivered"
                logger.info("Test message delivered through \(name) (\(detail)).", metadata: fields)
                let delivered = "Test message delivered through \(name) (\(detail))."
                guard channel.webhook?.holdOnServer == true else { return reply(.success(delivered)) }
                transport.checkChannel(channel) { problems in
                    for problem in problems {
                        logger.warning("\(name): \(problem)", metadata: ["event": "test", "channel": .string(name)])
                    }
                    let verdict = problems.isEmpty ? ["Its server can hold messages until their time."] : problems
                    reply(.success(([delivered] + verdict).joined(separator: " ")))
                }
            case .held, .cannotHold:
                // `ordinary` maps these away; a test message is an ordinary one.
                reply(.success("Test message delivered through \(name)."))
            }
        }
    }
}

extension ChannelTest {
    /// `doctor`'s question about one channel, without sending anything to the partner: its
    /// Matrix token and room, and whether its service can hold messages.
    func check(_ request: ControlRequest, reply: @escaping @Sendable (ControlResponse) -> Void) {
        guard let (name, channel) = channel(of: request, reply: reply) else { return }
        transport.checkChannel(channel) { problems in
            if problems.isEmpty {
                let holds = channel.webhook?.holdOnServer == true ? " and can hold messages until their time" : ""
                return reply(.success("it answers\(holds)."))
            }
            reply(.failure(.channelProblem, problems.joined(separator: " ")))
        }
    }

    /// The channel `request` names, or nil after replying that there is none.
    fileprivate func channel(of request: ControlRequest, reply: @Sendable (ControlResponse) -> Void) -> (
        String, Channel
    )? {
        guard let name = request.channel, let channel = configuration.settings.channels[name] else {
            let known = configuration.settings.channels.keys.sorted().joined(separator: ", ")
            reply(
                .failure(
                    .unknownChannel,
                    "There is no channel \"\(request.channel ?? "")\" in breather.toml\(known.isEmpty ? "" : "; the channels are \(known)")."
                ))
            return nil
        }
        return (name, channel)
    }
}
