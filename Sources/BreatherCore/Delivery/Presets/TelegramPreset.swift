/// Telegram's Bot API `sendMessage`. The URL embeds the bot token, so keep it in
/// `url_file`: `https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<CHAT>`. The chat id
/// moves from the query into the JSON body.
enum TelegramPreset {
    static func request(for delivery: Delivery, url: String, timeout: Double) throws(PresetRequest.Error) -> HTTPRequest
    {
        guard let parts = URLParts(url), let chat = parts.query["chat_id"], !chat.isEmpty,
            parts.basePath.hasSuffix("/sendMessage")
        else {
            throw PresetRequest.Error(
                description:
                    "A telegram channel's url must look like https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=<CHAT>."
            )
        }
        var body = JSONObjectWriter()
        if chat.allSatisfy({ $0.isNumber || $0 == "-" }), Int64(chat) != nil {
            body.add("chat_id", raw: chat)
        } else {
            body.add("chat_id", string: chat)
        }
        body.add("text", string: delivery.message)
        return HTTPRequest(
            method: "POST", url: parts.origin + parts.basePath, headers: PresetRequest.headers(delivery: delivery),
            body: Array(body.finish().utf8), timeout: timeout)
    }
}
