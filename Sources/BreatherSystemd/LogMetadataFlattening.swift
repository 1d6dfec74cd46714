import Logging

/// The metadata of one log call, as both handlers print it: the handler's own metadata,
/// then the provider's, then the call's, later ones winning; sorted by key.
enum LogMetadataFlattening {
    static func merge(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        call: Logger.Metadata?
    ) -> [(key: String, value: String)] {
        var merged = handler
        if let provided = provider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let call {
            merged.merge(call) { _, new in new }
        }
        return merged.map { (key: $0.key, value: "\($0.value)") }.sorted { $0.key < $1.key }
    }
}
