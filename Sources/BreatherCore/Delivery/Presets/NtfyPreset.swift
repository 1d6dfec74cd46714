/// ntfy: JSON publishing, a POST to the server's root with the topic in the body, so names
/// and messages in any script arrive intact (headers would need RFC 2047 encoding).
///
/// The channel's `url` is the topic URL (`https://ntfy.example.org/sam-and-alex`); a token
/// from `token_file` is sent as a bearer token.
///
/// A delivery that offers answers, on a channel with an answers topic, gets one `http` action
/// button per answer: a tap publishes what `AnswerButton` carries to the answers topic.
enum NtfyPreset {
    static func request(
        for delivery: Delivery, url: String, token: String?, timeout: Double, answerTopic: AnswerTopic? = nil
    ) throws(PresetRequest.Error) -> HTTPRequest {
        guard let split = URLParts(url), let topic = split.lastPathComponent, !topic.isEmpty else {
            throw PresetRequest.Error(
                description:
                    "An ntfy channel's url must end in the topic, such as https://ntfy.example.org/sam-and-alex.")
        }
        var body = JSONObjectWriter()
        body.add("topic", string: topic)
        body.add("title", string: PresetRequest.title)
        body.add("message", string: delivery.message)
        // 4 ("high") for the check-in itself and for anything late; 3 otherwise.
        body.add("priority", raw: delivery.isUrgent ? "4" : "3")
        body.add("tags", raw: "[\(JSONObjectWriter.quote(delivery.event.rawValue))]")
        if let actions = actions(for: delivery, topic: answerTopic) { body.add("actions", raw: actions) }
        var headers = PresetRequest.headers(delivery: delivery)
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return HTTPRequest(
            method: "POST", url: split.origin + split.parentPath, headers: headers, body: Array(body.finish().utf8),
            timeout: timeout)
    }
}

extension NtfyPreset {
    /// ntfy's `actions`: `[{"action": "http", "label": …, "url": …, "method": "POST",
    /// "headers": {"Authorization": "Bearer …"}, "body": …, "clear": true}, …]`; nil when the
    /// delivery offers no answers, or the channel has nowhere for them to go.
    static func actions(for delivery: Delivery, topic: AnswerTopic?) -> String? {
        guard let topic, let answers = delivery.answers, !answers.isEmpty, let key = delivery.answersKey,
            let breakId = delivery.breakId
        else { return nil }
        let buttons = answers.prefix(Plan.Message.maxAnswers).map { answer in
            var action = JSONObjectWriter()
            action.add("action", string: "http")
            action.add("label", string: answer)
            action.add("url", string: topic.url)
            action.add("method", string: "POST")
            if let token = topic.token {
                var headers = JSONObjectWriter()
                headers.add("Authorization", string: "Bearer \(token)")
                action.add("headers", raw: headers.finish())
            }
            action.add("body", string: AnswerButton(breakId: breakId, key: key, answer: answer).body)
            action.add("clear", raw: "true")
            return action.finish()
        }
        return "[" + buttons.joined(separator: ", ") + "]"
    }
}
