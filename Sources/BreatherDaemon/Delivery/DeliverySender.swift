import BreatherCore
import BreatherHTTP
import Foundation

/// Turns a delivery into a request for its channel and sends it without blocking; the
/// completion reports an `AttemptResult` on whatever thread the transport uses.
///
/// The channel's settings and secrets are read at each send: a fixed URL or token takes
/// effect on the next retry. No URL or secret ever appears in a result's sentence.
final class DeliverySender: DeliveryTransport {
    private let transport: CurlTransport
    let desktop: DesktopChannel
    private let paths: Paths

    init(transport: CurlTransport, desktop: DesktopChannel, paths: Paths) {
        self.transport = transport
        self.desktop = desktop
        self.paths = paths
    }

    /// `replacing` is the desktop notification to replace (nil for none); the completion gets
    /// a desktop notification as shown.
    func send(
        _ delivery: Delivery, through channel: Channel?, replacing: ShownNotification? = nil,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {
        guard let channel else {
            return completion(
                .failed(
                    reason:
                        "The channel \(delivery.channel) is not defined in breather.toml, or has errors there; `breather check` shows them, and the message is tried again after `breather reload`.",
                    retryable: true, retryAfter: nil
                ), nil)
        }
        switch channel.kind {
        case .desktop:
            desktop.send(delivery, replacing: replacing, completion: completion)
        case .webhook:
            guard let webhook = channel.webhook else {
                return completion(
                    .failed(
                        reason: "The channel \(channel.name) has no webhook settings.", retryable: false,
                        retryAfter: nil), nil)
            }
            sendWebhook(delivery, webhook: webhook) { completion($0, nil) }
        }
    }

    func showAgain(
        _ text: String, urgent: Bool, replacing: ShownNotification?,
        completion: @escaping @Sendable (AttemptResult, ShownNotification?) -> Void
    ) {
        desktop.showAgain(text, urgent: urgent, replacing: replacing, completion: completion)
    }

    func close(_ shown: ShownNotification) {
        desktop.close(shown)
    }

    private func sendWebhook(
        _ delivery: Delivery, webhook: Webhook, completion: @escaping @Sendable (AttemptResult) -> Void
    ) {
        let url: String
        let token: String?
        do throws(SecretFile.Error) {
            if let file = webhook.urlFile {
                url = try SecretFile.read(paths.resolveInConfig(file))
            } else {
                url = webhook.url ?? ""
            }
            token = try webhook.tokenFile.map { file throws(SecretFile.Error) in
                try SecretFile.read(paths.resolveInConfig(file))
            }
        } catch {
            return completion(.failed(reason: error.description, retryable: true, retryAfter: nil))
        }
        let request: HTTPRequest
        do {
            request = try PresetRequest.build(
                delivery, preset: webhook.preset, url: url, token: token, timeout: webhook.timeout, sentAt: Date())
        } catch {
            return completion(.failed(reason: error.description, retryable: true, retryAfter: nil))
        }
        transport.send(request) { outcome in
            completion(RetryPolicy.classify(outcome, now: Date()))
        }
    }
}
