/// Matrix: `PUT {room URL}/send/m.room.message/{txnId}` with the delivery id as the
/// transaction id, which makes a retry idempotent on the server.
///
/// The channel's `url` is the room's client-API URL,
/// `https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org`; the access token
/// comes from `token_file`.
enum MatrixPreset {
    static func request(for delivery: Delivery, url: String, token: String?, timeout: Double) throws(PresetRequest
        .Error) -> HTTPRequest
    {
        guard let token else {
            throw PresetRequest.Error(description: "A matrix channel needs token_file with the account's access token.")
        }
        guard url.contains("/rooms/") else {
            throw PresetRequest.Error(
                description:
                    "A matrix channel's url must be the room's address, such as https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org."
            )
        }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        let target = base + "/send/m.room.message/" + URLParts.percentEncode(delivery.id)
        var body = JSONObjectWriter()
        body.add("msgtype", string: "m.text")
        body.add("body", string: delivery.message)
        var headers = PresetRequest.headers(delivery: delivery)
        headers.append(("Authorization", "Bearer \(token)"))
        return HTTPRequest(
            method: "PUT", url: target, headers: headers, body: Array(body.finish().utf8), timeout: timeout)
    }
}
