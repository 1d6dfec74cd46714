/// ntfy: JSON publishing, a POST to the server's root with the topic in the body, so names
/// and messages in any script arrive intact (headers would need RFC 2047 encoding).
///
/// The channel's `url` is the topic URL (`https://ntfy.example.org/sam-and-alex`); a token
/// from `token_file` is sent as a bearer token.
enum NtfyPreset {
    static func request(for delivery: Delivery, url: String, token: String?, timeout: Double) throws(PresetRequest
        .Error) -> HTTPRequest
    {
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
        var headers = PresetRequest.headers(delivery: delivery)
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return HTTPRequest(
            method: "POST", url: split.origin + split.parentPath, headers: headers, body: Array(body.finish().utf8),
            timeout: timeout)
    }
}
