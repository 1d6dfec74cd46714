/// Gotify: a POST of `{"title", "message", "priority"}` to `{server}/message`, with the
/// application token from `token_file` in `X-Gotify-Key`.
enum GotifyPreset {
    static func request(for delivery: Delivery, url: String, token: String?, timeout: Double) throws(PresetRequest
        .Error) -> HTTPRequest
    {
        guard let token else {
            throw PresetRequest.Error(description: "A gotify channel needs token_file with the application token.")
        }
        var target = url
        while target.hasSuffix("/") { target.removeLast() }
        if !target.hasSuffix("/message") { target += "/message" }
        var body = JSONObjectWriter()
        body.add("title", string: PresetRequest.title)
        body.add("message", string: delivery.message)
        body.add("priority", raw: delivery.isUrgent ? "8" : "5")
        var headers = PresetRequest.headers(delivery: delivery)
        headers.append(("X-Gotify-Key", token))
        return HTTPRequest(
            method: "POST", url: target, headers: headers, body: Array(body.finish().utf8), timeout: timeout)
    }
}
