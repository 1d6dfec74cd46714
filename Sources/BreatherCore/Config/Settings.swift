/// breather.toml: who the two people are, the default plan, and the channels.
public struct Settings: Hashable, Sendable, Codable {
    public var me: String
    public var partner: String
    public var defaultPlan: String?
    public var channels: [String: Channel]

    public init(
        me: String = "me", partner: String = "my partner", defaultPlan: String? = nil, channels: [String: Channel] = [:]
    ) {
        self.me = me
        self.partner = partner
        self.defaultPlan = defaultPlan
        self.channels = channels
    }
}
