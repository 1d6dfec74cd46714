import BreatherCore
import BreatherHTTP
import Foundation
import Synchronization

/// Turns a delivery into a request for its channel and sends it without blocking; the
/// completion reports an `AttemptResult` on whatever thread the transport uses.
///
/// The channel's settings and secrets are read at each send: a fixed URL or token takes
/// effect on the next retry. No URL or secret ever appears in a result's sentence.
final class DeliverySender: DeliveryTransport {
    /// Runs many transfers at once, each to its own timeout: a Matrix long poll held open by
    /// the server holds up no reminder.
    let transport: CurlTransport
    let desktop: DesktopChannel
    let paths: Paths
    /// The account each Matrix token belongs to, asked once (`/account/whoami`), for reading
    /// answers: the account's own events are Breather's messages.
    let matrixAccounts = Mutex<[String: String]>([:])
    /// Matrix servers (by origin) that listed delayed events since the daemon started: asked
    /// once, not before every hand-off.
    private let matrixServersThatHold = Mutex<Set<String>>([])

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

    /// The channel's URL and token, read at each send; nil and a sentence when a file fails.
    func secrets(of webhook: Webhook) -> Result<(url: String, token: String?), SecretFile.Error> {
        do throws(SecretFile.Error) {
            let url = try webhook.urlFile.map { file throws(SecretFile.Error) in
                try SecretFile.read(paths.resolveInConfig(file))
            }
            let token = try webhook.tokenFile.map { file throws(SecretFile.Error) in
                try SecretFile.read(paths.resolveInConfig(file))
            }
            return .success((url ?? webhook.url ?? "", token))
        } catch {
            return .failure(error)
        }
    }

    private func sendWebhook(
        _ delivery: Delivery, webhook: Webhook, completion: @escaping @Sendable (AttemptResult) -> Void
    ) {
        let url: String
        let token: String?
        switch secrets(of: webhook) {
        case .success(let read): (url, token) = read
        case .failure(let error):
            return completion(.failed(reason: error.description, retryable: true, retryAfter: nil))
        }
        if let step = delivery.hold {
            return sendHoldStep(step, delivery, webhook: webhook, url: url, token: token, completion: completion)
        }
        let topic: AnswerTopic?
        do throws(SecretFile.Error) {
            topic = try answerTopic(of: webhook, for: delivery)
        } catch {
            return completion(.failed(reason: error.description, retryable: true, retryAfter: nil))
        }
        let request: HTTPRequest
        do {
            request = try PresetRequest.build(
                delivery, preset: webhook.preset, url: url, token: token, timeout: webhook.timeout, sentAt: Date(),
                answerTopic: topic)
        } catch {
            return completion(.failed(reason: error.description, retryable: true, retryAfter: nil))
        }
        transport.send(request) { outcome in
            completion(RetryPolicy.classify(outcome, now: Date()))
        }
    }

    // MARK: Holding

    private func sendHoldStep(
        _ step: HoldStep, _ delivery: Delivery, webhook: Webhook, url: String, token: String?,
        completion: @escaping @Sendable (AttemptResult) -> Void
    ) {
        if step == .handOff, webhook.preset == .matrix {
            return checkMatrixHolds(url: url, timeout: webhook.timeout) { [self] holds in
                switch holds {
                case .some(true):
                    sendHoldRequest(step, delivery, webhook: webhook, url: url, token: token, completion: completion)
                case .some(false):
                    completion(.cannotHold(reason: "it does not list delayed events (MSC4140) among its features"))
                case .none:
                    completion(
                        .failed(
                            reason: "The server did not say whether it can hold messages.", retryable: true,
                            retryAfter: nil))
                }
            }
        }
        sendHoldRequest(step, delivery, webhook: webhook, url: url, token: token, completion: completion)
    }

    private func sendHoldRequest(
        _ step: HoldStep, _ delivery: Delivery, webhook: Webhook, url: String, token: String?,
        completion: @escaping @Sendable (AttemptResult) -> Void
    ) {
        let now = Date()
        let heldLater = HoldRequest.holdsLater(delivery, now: now)
        let request: HTTPRequest
        do {
            request = try HoldRequest.build(
                delivery, preset: webhook.preset, url: url, token: token, timeout: webhook.timeout, now: now)
        } catch {
            return completion(.failed(reason: error.description, retryable: false, retryAfter: nil))
        }
        let transport = self.transport
        transport.send(request) { outcome in
            // Older Matrix servers take the action in the body.
            if webhook.preset == .matrix, step != .handOff, HoldAnswer.matrixWantsLegacyForm(outcome),
                let handle = delivery.holdHandle,
                let legacy = try? HoldRequest.matrixAction(
                    step == .release ? "send" : "cancel", handle: handle, url: url, token: token,
                    timeout: Double(webhook.timeout.seconds), delivery: delivery, legacy: true)
            {
                return transport.send(legacy) { outcome in
                    completion(
                        HoldAnswer.classify(outcome, step: step, preset: .matrix, heldLater: heldLater, now: Date()))
                }
            }
            completion(
                HoldAnswer.classify(outcome, step: step, preset: webhook.preset, heldLater: heldLater, now: Date()))
        }
    }

    /// Whether the Matrix server at `url` takes delayed events: asked once per server.
    private func checkMatrixHolds(url: String, timeout: Span, completion: @escaping @Sendable (Bool?) -> Void) {
        guard let request = try? HoldRequest.matrixVersions(url: url, timeout: Double(timeout.seconds)) else {
            return completion(false)
        }
        if matrixServersThatHold.withLock({ $0.contains(request.url) }) { return completion(true) }
        transport.send(request) { [self] outcome in
            let holds = HoldAnswer.matrixHoldsMessages(outcome)
            if holds == true { matrixServersThatHold.withLock { _ = $0.insert(request.url) } }
            completion(holds)
        }
    }

    /// For `breather test` and `doctor`: what is wrong with `channel` beyond a message
    /// getting through, one sentence each: a Matrix token the server does not take, a room
    /// the account has not joined, a service that cannot hold messages.
    func checkChannel(_ channel: Channel, completion: @escaping @Sendable ([String]) -> Void) {
        guard let webhook = channel.webhook, webhook.preset == .matrix,
            case .success(let (url, token)) = secrets(of: webhook), let token
        else {
            return checkHolding(channel) { completion([$0].compactMap { $0 }) }
        }
        checkMatrixAccount(url: url, token: token, timeout: webhook.timeout) { [self] problem in
            if let problem { return completion([problem]) }
            checkHolding(channel) { completion([$0].compactMap { $0 }) }
        }
    }

    /// The token is taken (`/account/whoami`) and its account has joined the room.
    private func checkMatrixAccount(
        url: String, token: String, timeout: Span, completion: @escaping @Sendable (String?) -> Void
    ) {
        guard let whoami = try? MatrixAccountRequest.whoami(url: url, token: token, timeout: Double(timeout.seconds))
        else { return completion(nil) }
        let transport = self.transport
        transport.send(whoami) { outcome in
            switch MatrixAccountRequest.userId(from: outcome) {
            case .failure(let problem): completion(problem.description)
            case .success(let userId):
                let membership = MatrixAccountRequest.membership(
                    url: url, userId: userId, token: token, timeout: Double(timeout.seconds))
                transport.send(membership) { outcome in
                    completion(MatrixAccountRequest.joinProblem(outcome, userId: userId))
                }
            }
        }
    }

    /// Nil when `channel`'s service can hold messages (or is not asked to), or one sentence
    /// saying why not (or why it could not be told).
    func checkHolding(_ channel: Channel, completion: @escaping @Sendable (String?) -> Void) {
        guard let webhook = channel.webhook, webhook.holdOnServer else { return completion(nil) }
        guard case .success(let (url, token)) = secrets(of: webhook) else {
            return completion(
                "Whether its server can hold messages is unknown, as its url or token file cannot be read.")
        }
        let cannot = "Its server cannot hold messages"
        let fallback = "so while this computer sleeps they wait, and go out when it wakes."
        switch webhook.preset {
        case .matrix:
            checkMatrixHolds(url: url, timeout: webhook.timeout) { holds in
                switch holds {
                case .some(true): completion(nil)
                case .some(false):
                    completion("\(cannot) (it does not list delayed events, MSC4140, among its features), \(fallback)")
                case .none: completion("Whether its server can hold messages is unknown: it did not answer.")
                }
            }
        case .ntfy:
            // Taking back a message that was never held: an ntfy 2.16+ answers, an older one
            // has no such path (404). Nothing is shown to anyone.
            var probe = Delivery(
                id: "probe-" + Engine.newBreakId(), event: .test, channel: channel.name, breakId: nil, plan: nil,
                message: "", checkinAt: nil, dueAt: Date(), offsetSeconds: nil, createdAt: Date(), expiresAt: Date(),
                nextAttemptAt: Date())
            probe.hold = .cancel
            guard
                let request = try? HoldRequest.build(
                    probe, preset: .ntfy, url: url, token: token, timeout: webhook.timeout, now: Date())
            else { return completion(nil) }
            transport.send(request) { outcome in
                switch outcome {
                case .response(let status, _, _) where (200..<300).contains(status): completion(nil)
                case .response(404, _, _):
                    completion("\(cannot) (it has no sequence ids, which came with ntfy 2.16), \(fallback)")
                default: completion("Whether its server can hold messages is unknown: it did not answer clearly.")
                }
            }
        default:
            completion(nil)
        }
    }
}
