/// What a delivery asks of a service that holds messages (`hold_on_server`), instead of
/// showing a message now.
public enum HoldStep: String, Hashable, Sendable, Codable {
    /// Give the service the message and its due time; it delivers it then by itself.
    case handOff
    /// Have the service deliver the held message now, at its due time.
    case release
    /// Take the held message back: the break ended or its time moved.
    case cancel

    /// ntfy delivers a held message this long after its due time. Its scheduler runs about
    /// every 10 s, so the copy it holds goes out 20–30 s after the due time; breatherd's own
    /// release at the due time replaces it well before, however the two clocks and the tick
    /// fall, and even after a few failed attempts.
    public static let ntfyMargin: Double = 20

    /// How long after the due time a release is still tried. ntfy must not be asked once
    /// its own copy may be on the way (publishing again would show the message twice);
    /// a Matrix server answers a late release with 404, which is taken as delivered.
    public static func releaseWindow(for preset: Webhook.Preset?) -> Double {
        preset == .ntfy ? ntfyMargin - 5 : 600
    }
}
