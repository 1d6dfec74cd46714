import CCurl

/// The C callbacks libcurl calls during `curl_multi_perform`, on the driving thread. Their
/// userdata is an unretained `CurlExchange` that `CurlDriver` keeps alive for the transfer.
enum CurlCallbacks {
    /// Hands the response body to the exchange, which keeps a bounded prefix of it when the
    /// request asked for it and counts and drops it otherwise.
    static let readBody: breather_curl_data_callback = { data, size, count, userdata in
        let total = size * count
        if let userdata {
            let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : total)
            Unmanaged<CurlExchange>.fromOpaque(userdata).takeUnretainedValue().receivedBody(bytes)
        }
        return total
    }

    /// Hands each response header line (not NUL-terminated) to the exchange.
    static let readHeader: breather_curl_data_callback = { data, size, count, userdata in
        let total = size * count
        if let userdata, let data {
            let bytes = UnsafeRawBufferPointer(start: data, count: total)
            let line = String(decoding: bytes, as: UTF8.self)
            Unmanaged<CurlExchange>.fromOpaque(userdata).takeUnretainedValue().receivedHeaderLine(line)
        }
        return total
    }
}
