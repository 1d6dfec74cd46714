/// Slack and Discord incoming webhooks: a POST of `{"text": …}` or `{"content": …}` to the
/// webhook URL, which carries its own key (keep it in `url_file`).
enum ChatPreset {
    static func request(for delivery: Delivery, url: String, field: String, timeout: Double) -> HTTPRequest {
        var body = JSONObjectWriter()
        body.add(field, string: delivery.message)
        return HTTPRequest(
            method: "POST", url: url, headers: PresetRequest.headers(delivery: delivery),
            body: Array(body.finish().utf8), timeout: timeout)
    }
}
