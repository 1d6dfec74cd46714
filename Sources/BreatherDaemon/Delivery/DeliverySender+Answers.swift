import BreatherCore
import Foundation

/// Reading answers: the ntfy poll of a channel's answers topic and the Matrix `/sync` of its
/// room, with the channel's own secrets, read at each request like a send's.
extension DeliverySender {
    func readAnswers(
        _ reading: AnswerReading, through channel: Channel,
        completion: @escaping @Sendable (AnswerReadOutcome) -> Void
    ) {
        guard let webhook = channel.webhook else {
            return completion(.failed(reason: "The channel has no webhook settings.", unreachable: false))
        }
        let url: String
        let token: String?
        switch secrets(of: webhook) {
        case .success(let read): (url, token) = read
        case .failure(let error): return completion(.failed(reason: error.description, unreachable: false))
        }
        let timeout = Double(webhook.timeout.seconds)
        switch reading.preset {
        case .ntfy:
            guard let answersUrl = webhook.answersUrl,
                let request = try? AnswerPollRequest.ntfy(
                    answersUrl: answersUrl, from: reading.ntfyPosition, token: token, timeout: timeout)
            else { return completion(.failed(reason: "Its answers_url is not an ntfy topic.", unreachable: false)) }
            send(request) { body in
                .ntfy(channel: channel.name, NtfyPoll.parse(body))
            } completion: {
                completion($0)
            }
        case .matrix:
            guard let token, let room = MatrixSync.roomId(fromURL: url) else {
                return completion(.failed(reason: "It has no token or no room to read.", unreachable: false))
            }
            ownUserId(url: url, token: token, timeout: timeout) { [self] userId in
                guard let userId else {
                    return completion(
                        .failed(reason: "The Matrix server did not say whose token it is.", unreachable: false))
                }
                guard
                    let request = try? AnswerPollRequest.matrix(
                        roomUrl: url, since: reading.cursor, token: token, timeout: timeout)
                else { return completion(.failed(reason: "Its url is not a Matrix room.", unreachable: false)) }
                send(request) { body in
                    MatrixSync.parse(body, room: room).map { .matrix(channel: channel.name, $0, ownUserId: userId) }
                } completion: { [self] outcome in
                    // A busy room (the couple's own chat while breatherd was stopped) gives a
                    // `limited` timeline: the events it left out are read before it is kept.
                    guard case .read(.matrix(_, let sync, _)) = outcome, sync.limited, let since = reading.cursor,
                        let gapStart = sync.prevBatch
                    else { return completion(outcome) }
                    readGap(roomUrl: url, from: gapStart, to: since, token: token, timeout: timeout) { gap in
                        guard let gap else {
                            return completion(
                                .failed(
                                    reason: "The events a busy room left out could not be read.", unreachable: false))
                        }
                        var whole = sync
                        whole.events = gap + sync.events
                        completion(.read(.matrix(channel: channel.name, whole, ownUserId: userId)))
                    }
                }
            }
        default:
            completion(.failed(reason: "Only ntfy and Matrix channels bring answers.", unreachable: false))
        }
    }

    /// The events between `to` and `from`, oldest first, a page at a time (at most twenty pages
    /// of fifty: a thousand events; older ones are not read). Nil when a page could not be read.
    private func readGap(
        roomUrl: String, from: String, to: String, token: String, timeout: Double, pages: Int = 0,
        newestFirst: [MatrixEvent] = [], completion: @escaping @Sendable ([MatrixEvent]?) -> Void
    ) {
        let request = AnswerPollRequest.matrixGap(roomUrl: roomUrl, from: from, to: to, token: token, timeout: timeout)
        transport.send(request) { [self] outcome in
            guard case .response(let status, _, let body) = outcome, (200..<300).contains(status),
                let page = MatrixSync.parseGapPage(body)
            else { return completion(nil) }
            let collected = newestFirst + page.events
            guard let end = page.end, pages + 1 < 20 else { return completion(collected.reversed()) }
            readGap(
                roomUrl: roomUrl, from: end, to: to, token: token, timeout: timeout, pages: pages + 1,
                newestFirst: collected, completion: completion)
        }
    }

    /// Sends a read and turns a 2xx body into what it brought with `parse` (nil: unreadable).
    private func send(
        _ request: HTTPRequest, parse: @escaping @Sendable ([UInt8]) -> AnswersRead?,
        completion: @escaping @Sendable (AnswerReadOutcome) -> Void
    ) {
        transport.send(request) { outcome in
            switch outcome {
            case .response(let status, _, let body) where (200..<300).contains(status):
                if let read = parse(body) { return completion(.read(read)) }
                completion(.failed(reason: "Its answer could not be read.", unreachable: false))
            case .response(let status, _, _):
                completion(.failed(reason: "The server answered HTTP \(status).", unreachable: false))
            case .failure(_, let message):
                completion(.failed(reason: message, unreachable: true))
            }
        }
    }

    /// The account Breather sends with on this Matrix server: asked once per token.
    private func ownUserId(
        url: String, token: String, timeout: Double, completion: @escaping @Sendable (String?) -> Void
    ) {
        if let known = matrixAccounts.withLock({ $0[token] }) { return completion(known) }
        guard let whoami = try? MatrixAccountRequest.whoami(url: url, token: token, timeout: timeout) else {
            return completion(nil)
        }
        transport.send(whoami) { [self] outcome in
            guard case .success(let userId) = MatrixAccountRequest.userId(from: outcome) else { return completion(nil) }
            matrixAccounts.withLock { $0[token] = userId }
            completion(userId)
        }
    }

    /// Where an ntfy channel's answer buttons publish, for a delivery that offers answers;
    /// nil when it offers none or the channel has no answers topic.
    func answerTopic(of webhook: Webhook, for delivery: Delivery) throws(SecretFile.Error) -> AnswerTopic? {
        guard webhook.preset == .ntfy, delivery.answers?.isEmpty == false, let answersUrl = webhook.answersUrl else {
            return nil
        }
        let token = try webhook.answersTokenFile.map { file throws(SecretFile.Error) in
            try SecretFile.read(paths.resolveInConfig(file))
        }
        return AnswerTopic(url: answersUrl, token: token)
    }
}
