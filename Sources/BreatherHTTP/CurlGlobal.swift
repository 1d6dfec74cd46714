import CCurl

/// `curl_global_init` must run exactly once, before any other libcurl call, and is not
/// thread-safe; a Swift global `let` is initialised exactly once, under a lock.
enum CurlGlobal {
    private static let initResult: CURLcode = curl_global_init(BREATHER_CURL_GLOBAL_DEFAULT)

    static func ensureInitialized() throws(CurlError) {
        let result = initResult
        guard result == CURLE_OK else {
            throw CurlError(
                code: .initializationFailed,
                message: "libcurl could not initialise: \(CurlError.sentence(for: result))")
        }
    }
}
