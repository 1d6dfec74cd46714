import CCurl

/// Owns one `CURL *` easy handle: every option is set through a typed method that turns the
/// `CURLcode` into a `CurlError`. The handle is cleaned up in `deinit`.
final class CurlEasy {
    /// The raw handle, for `CurlMulti` only. Valid for as long as this object lives.
    let handle: UnsafeMutableRawPointer

    init() throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw CurlError(code: .initializationFailed, message: "libcurl could not create a transfer handle.")
        }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    func set(_ option: CURLoption, _ value: Int, _ what: String) throws(CurlError) {
        try check(breather_curl_easy_setopt_long(handle, option, value), what)
    }

    func set(_ option: CURLoption, _ value: String, _ what: String) throws(CurlError) {
        try check(breather_curl_easy_setopt_string(handle, option, value), what)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?, _ what: String) throws(CurlError) {
        try check(breather_curl_easy_setopt_pointer(handle, option, pointer), what)
    }

    func set(_ option: CURLoption, list: CurlHeaderList, _ what: String) throws(CurlError) {
        try check(breather_curl_easy_setopt_slist(handle, option, list.head), what)
    }

    func set(_ option: CURLoption, callback: breather_curl_data_callback, _ what: String) throws(CurlError) {
        try check(breather_curl_easy_setopt_data_callback(handle, option, callback), what)
    }

    /// Sets the request body. libcurl copies the bytes (`CURLOPT_COPYPOSTFIELDS`), so no
    /// pointer into Swift memory outlives this call; `CURLOPT_POSTFIELDS` would keep one.
    func setBody(_ body: [UInt8]) throws(CurlError) {
        try check(
            breather_curl_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
            "set the body size")
        let code: CURLcode
        if body.isEmpty {
            code = breather_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
        } else {
            code = body.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    breather_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, chars.baseAddress)
                }
            }
        }
        try check(code, "copy the request body")
    }

    /// The last HTTP status received, 0 when none arrived.
    func responseCode() -> Int {
        var code = 0
        guard breather_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK else { return 0 }
        return code
    }

    private func check(_ code: CURLcode, _ what: String) throws(CurlError) {
        guard code == CURLE_OK else { throw CurlError.easy(code, doing: what) }
    }
}
