import BreatherCore
import BreatherHTTP
import Foundation
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct CurlTransportTests {
    let transport: CurlTransport

    init() throws {
        transport = try CurlTransport()
    }

    private func get(_ url: String, timeout: Double = 10) -> HTTPRequest {
        HTTPRequest(method: "GET", url: url, headers: [], body: [], timeout: timeout)
    }

    @Test func aTwoHundredIsAResponse() async throws {
        let server = try TestHTTPServer(routes: ["/ok": .respond(status: 200, body: "fine")])
        defer { server.stop() }
        let outcome = await transport.send(get(server.url("/ok")))
        #expect(outcome == .response(status: 200, retryAfter: nil))
    }

    @Test func aFiveHundredIsReportedAsStatusFiveHundred() async throws {
        let server = try TestHTTPServer(routes: ["/broken": .respond(status: 500, body: "oops")])
        defer { server.stop() }
        let outcome = await transport.send(get(server.url("/broken")))
        #expect(outcome == .response(status: 500, retryAfter: nil))
    }

    @Test func requestLineHeadersAndBodyArriveByteExact() async throws {
        let server = try TestHTTPServer(routes: ["/hook": .respond(status: 204)])
        defer { server.stop() }
        let body = Array(#"{"event": "announce", "message": "I'll be back at 14:30 — 💛\nreally"}"#.utf8)
        let request = HTTPRequest(
            method: "POST", url: server.url("/hook"),
            headers: [
                ("Content-Type", "application/json"),
                ("Idempotency-Key", "d-7f3a"),
                ("User-Agent", "breather/0.1.0"),
                ("Authorization", "Bearer s3cret"),
            ],
            body: body, timeout: 10)

        let outcome = await transport.send(request)

        #expect(outcome == .response(status: 204, retryAfter: nil))
        let received = try #require(server.received.first)
        #expect(received.requestLine == "POST /hook HTTP/1.1")
        let lines = received.headerLines
        #expect(lines.contains("Content-Type: application/json"))
        #expect(lines.contains("Idempotency-Key: d-7f3a"))
        #expect(lines.contains("User-Agent: breather/0.1.0"))
        #expect(lines.contains("Authorization: Bearer s3cret"))
        #expect(lines.contains("Content-Length: \(body.count)"))
        #expect(lines.contains("Host: 127.0.0.1:\(server.port)"))
        #expect(!lines.contains { $0.lowercased().hasPrefix("expect:") })
        #expect(lines.filter { $0.lowercased().hasPrefix("content-type:") }.count == 1)
        #expect(received.body == body)
    }

    @Test func otherMethodsAndAnEmptyBodyAreSentAsWritten() async throws {
        let server = try TestHTTPServer(routes: ["/put": .respond(status: 200)])
        defer { server.stop() }
        let request = HTTPRequest(
            method: "PUT", url: server.url("/put"), headers: [("X-Empty", "")], body: [], timeout: 10)
        #expect(await transport.send(request) == .response(status: 200, retryAfter: nil))
        let received = try #require(server.received.first)
        #expect(received.requestLine == "PUT /put HTTP/1.1")
        #expect(received.headerLines.contains("X-Empty:"))
        #expect(received.headerLines.contains("Content-Length: 0"))
        #expect(received.body.isEmpty)
    }

    @Test func retryAfterIsCapturedFromAFiveOhThree() async throws {
        let server = try TestHTTPServer(routes: ["/busy": .respond(status: 503, headers: ["Retry-After: 120"])])
        defer { server.stop() }
        let outcome = await transport.send(get(server.url("/busy")))
        #expect(outcome == .response(status: 503, retryAfter: "120"))
    }

    @Test func aRedirectedPostStaysAPostWithItsBody() async throws {
        let server = try TestHTTPServer(routes: [
            "/old": .respond(status: 302, headers: ["Location: /new"]),
            "/new": .respond(status: 200),
        ])
        defer { server.stop() }
        let body = Array("payload".utf8)
        let request = HTTPRequest(
            method: "POST", url: server.url("/old"), headers: [("Content-Type", "text/plain")], body: body, timeout: 10)
        #expect(await transport.send(request) == .response(status: 200, retryAfter: nil))
        let second = await server.request(for: "/new")
        #expect(second.requestLine == "POST /new HTTP/1.1")
        #expect(second.body == body)
    }

    @Test func aRefusedPortFailsQuicklyWithCodeSeven() async throws {
        let port = try TestHTTPServer.refusedPort()
        let started = ContinuousClock.now
        let outcome = await transport.send(get("http://127.0.0.1:\(port)/secret-key-123", timeout: 30))
        guard case .failure(let code, let message) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(code == 7)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!message.contains("secret-key-123"))
        #expect(!message.contains("127.0.0.1"))
        #expect(message.hasSuffix("."))
    }

    @Test func aServerThatNeverAnswersTimesOutWithCodeTwentyEight() async throws {
        let server = try TestHTTPServer(routes: ["/silent": .hang])
        defer { server.stop() }
        let outcome = await transport.send(get(server.url("/silent?token=hunter2"), timeout: 1))
        guard case .failure(let code, let message) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(code == 28)
        #expect(!message.contains("hunter2"))
    }

    @Test func aHungEndpointDoesNotDelayAHealthyOne() async throws {
        let server = try TestHTTPServer(routes: ["/hang": .hang, "/ok": .respond(status: 200)])
        defer { server.stop() }
        let order = Recorder<String>()
        let transport = self.transport
        @Sendable func send(_ path: String, timeout: Double) async -> HTTPOutcome {
            await withCheckedContinuation { continuation in
                transport.send(
                    HTTPRequest(method: "GET", url: server.url(path), headers: [], body: [], timeout: timeout)
                ) { outcome in
                    order.append(path)
                    continuation.resume(returning: outcome)
                }
            }
        }

        async let hung = send("/hang", timeout: 3)
        _ = await server.request(for: "/hang")  // the hung request is in flight
        async let healthy = send("/ok", timeout: 10)

        let (hungOutcome, healthyOutcome) = await (hung, healthy)
        #expect(healthyOutcome == .response(status: 200, retryAfter: nil))
        if case .failure(let code, _) = hungOutcome {
            #expect(code == 28)
        } else {
            Issue.record("hung request: \(hungOutcome)")
        }
        #expect(order.values == ["/ok", "/hang"])
    }

    @Test func aHeaderWithALineBreakIsRefusedWithoutSending() async throws {
        let server = try TestHTTPServer(routes: ["/ok": .respond(status: 200)])
        defer { server.stop() }
        let request = HTTPRequest(
            method: "POST", url: server.url("/ok"), headers: [("X-Note", "a\r\nX-Injected: 1")], body: [], timeout: 5)
        let outcome = await transport.send(request)
        guard case .failure(_, let message) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(message.contains("line break"))
        #expect(server.received.isEmpty)
    }

    @Test func manyRequestsAtOnceAllComplete() async throws {
        let server = try TestHTTPServer(routes: ["/ok": .respond(status: 200)])
        defer { server.stop() }
        let transport = self.transport
        let outcomes = await withTaskGroup(of: HTTPOutcome.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await transport.send(
                        HTTPRequest(method: "GET", url: server.url("/ok"), headers: [], body: [], timeout: 10))
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 20)
        #expect(outcomes.allSatisfy { $0 == .response(status: 200, retryAfter: nil) })
    }

    @Test func droppingTheTransportFailsWhatIsStillRunning() async throws {
        let server = try TestHTTPServer(routes: ["/hang": .hang])
        defer { server.stop() }
        let holder = Recorder<CurlTransport>()
        holder.append(try CurlTransport())
        let request = HTTPRequest(method: "GET", url: server.url("/hang"), headers: [], body: [], timeout: 30)
        async let pending: HTTPOutcome = withCheckedContinuation { continuation in
            holder.values[0].send(request) { continuation.resume(returning: $0) }
        }
        _ = await server.request(for: "/hang")
        holder.removeAll()  // the last reference: the transport shuts down
        let outcome = await pending
        guard case .failure(let code, _) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(code == 42)
    }
}

/// Values appended from any thread, read back in order.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])

    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    func removeAll() { storage.withLock { $0.removeAll() } }
    var values: [Value] { storage.withLock { $0 } }
}
