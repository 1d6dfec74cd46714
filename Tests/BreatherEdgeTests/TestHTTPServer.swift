import Foundation
import Glibc
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for the transport tests: it records every request
/// byte for byte and answers by path, or never answers at all.
final class TestHTTPServer: Sendable {
    enum Behaviour: Sendable {
        case respond(status: Int, headers: [String] = [], body: String = "")
        /// Read the request, then keep the connection open without answering.
        case hang
    }

    struct Received: Sendable {
        var head: String
        var body: [UInt8]
        var requestLine: String { String(head.split(separator: "\r\n", omittingEmptySubsequences: false)[0]) }
        /// The request target without its query string.
        var path: String {
            String(requestLine.split(separator: " ")[1].split(separator: "?", omittingEmptySubsequences: false)[0])
        }
        var headerLines: [String] { Array(head.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }) }
    }

    private struct State {
        var received: [Received] = []
        var waiters: [(path: String, continuation: CheckedContinuation<Received, Never>)] = []
        var heldConnections: [Int32] = []
        var stopped = false
    }

    let port: UInt16
    private let listener: Int32
    private let routes: [String: Behaviour]
    private let state = Mutex(State())

    init(routes: [String: Behaviour]) throws {
        self.routes = routes
        let (fd, port) = try Self.listen()
        self.listener = fd
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    var received: [Received] { state.withLock { $0.received } }

    /// Waits until a request for `path` has arrived (at once if one already has).
    func request(for path: String) async -> Received {
        await withCheckedContinuation { continuation in
            let found: Received? = state.withLock { state in
                if let hit = state.received.first(where: { $0.path == path }) { return hit }
                state.waiters.append((path, continuation))
                return nil
            }
            if let found { continuation.resume(returning: found) }
        }
    }

    func stop() {
        let held = state.withLock { state in
            state.stopped = true
            defer { state.heldConnections.removeAll() }
            return state.heldConnections
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in held { _ = close(fd) }
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        guard let request = Self.readRequest(connection) else {
            close(connection)
            return
        }
        let ready: [CheckedContinuation<Received, Never>] = state.withLock { state in
            state.received.append(request)
            let matching = state.waiters.filter { $0.path == request.path }.map(\.continuation)
            state.waiters.removeAll { $0.path == request.path }
            return matching
        }
        for waiter in ready { waiter.resume(returning: request) }

        switch routes[request.path] ?? .respond(status: 404) {
        case .hang:
            let keep = state.withLock { state in
                if !state.stopped { state.heldConnections.append(connection) }
                return !state.stopped
            }
            if !keep { close(connection) }
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
            for header in headers { head += header + "\r\n" }
            let bytes = Array((head + "\r\n" + body).utf8)
            _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(connection)
        }
    }

    /// Reads the head up to the blank line, then `Content-Length` bytes of body.
    private static func readRequest(_ fd: Int32) -> Received? {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var wanted = Int.max
        while data.count < wanted {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            data.append(contentsOf: chunk[0..<n])
            if headEnd == nil, let end = firstRange(of: separator, in: data) {
                headEnd = end
                let head = String(decoding: data[0..<end], as: UTF8.self)
                let length =
                    head.components(separatedBy: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                wanted = end + separator.count + length
            }
        }
        guard let end = headEnd else { return nil }
        return Received(
            head: String(decoding: data[0..<end], as: UTF8.self), body: Array(data[(end + separator.count)...]))
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    /// A listening TCP socket on 127.0.0.1 with a port the kernel picked.
    static func listen() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A port on 127.0.0.1 that nothing listens on: bound, read back, then closed.
    static func refusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw POSIXError(.init(rawValue: errno)!) }
        return UInt16(bigEndian: address.sin_port)
    }
}
