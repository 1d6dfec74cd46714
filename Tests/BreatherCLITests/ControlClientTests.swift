import BreatherCore
import Foundation
import Glibc
import Synchronization
import Testing

@testable import BreatherCLI

/// A one-connection Unix socket server in a temporary folder, answering with canned bytes.
final class FakeDaemon: @unchecked Sendable {
    let directory: String
    let path: String
    private let listener: Int32
    private let _received = Mutex<[UInt8]>([])
    private let done = DispatchSemaphore(value: 0)

    var received: String {
        String(decoding: _received.withLock { $0 }, as: UTF8.self)
    }

    /// - Parameter answer: what to write back after reading the request's line, in pieces
    ///   (to exercise short reads); nil to close without answering; `hold` to keep the
    ///   connection open without a word.
    init(answer: [String]?, hold: TimeInterval = 0) throws {
        directory = NSTemporaryDirectory() + "breather-cli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/control.sock"
        listener = try UnixSocketAddress.streamSocket().release()
        try UnixSocketAddress(path: path).bind(listener)
        guard listen(listener, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        let listening = self.listener
        Thread.detachNewThread { [self] in
            let connection = accept(listening, nil, nil)
            defer {
                if connection >= 0 { close(connection) }
                done.signal()
            }
            guard connection >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var line: [UInt8] = []
            while !line.contains(10) {
                let count = read(connection, &buffer, buffer.count)
                if count <= 0 { break }
                line += buffer[0..<count]
            }
            _received.withLock { $0 = line }
            if hold > 0 { Thread.sleep(forTimeInterval: hold) }
            for piece in answer ?? [] {
                _ = piece.utf8CString.withUnsafeBufferPointer { write(connection, $0.baseAddress!, $0.count - 1) }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    func finish() {
        done.wait()
        close(listener)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite(.serialized) struct ControlClientTests {
    @Test func roundTrip() throws {
        let server = try FakeDaemon(answer: [#"{"v":1,"ok":true,"#, #""message":"Your break has started."}"#, "\n"])
        defer { server.finish() }
        let response = try ControlClient(socketPath: server.path, timeout: 5).send(
            ControlRequest(op: .start, plan: "pineapple", for: "45m"))
        #expect(response.ok)
        #expect(response.message == "Your break has started.")
        #expect(server.received == #"{"for":"45m","op":"start","plan":"pineapple","v":1}"# + "\n")
    }

    @Test func statusAnswerDecodesWithTimes() throws {
        let line =
            #"{"v":1,"ok":true,"message":"","status":{"active":true,"break":{"id":"b1","plan":"cool-down","started_at":"2026-11-21T14:05:00.000Z","checkin_at":"2026-11-21T14:35:00.000Z","extensions":0,"pending":[],"partner":"Alex"},"retrying":[]}}"#
        let server = try FakeDaemon(answer: [line + "\n"])
        defer { server.finish() }
        let response = try ControlClient(socketPath: server.path, timeout: 5).send(ControlRequest(op: .status))
        #expect(response.status?.break?.checkinAt == Timestamp.parse("2026-11-21T14:35:00.000Z"))
    }

    @Test func missingSocket() throws {
        let path = NSTemporaryDirectory() + "breather-cli-missing-\(UUID().uuidString.prefix(8))/control.sock"
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(socketPath: path).send(ControlRequest(op: .status))
        }
        #expect(error?.code == .notRunning)
        #expect(
            error?.message
                == "breatherd is not running (no socket at \(path)). Start it with `systemctl --user start breather`, or run `breatherd` in a terminal."
        )
    }

    @Test func noRuntimeDirectory() {
        let paths = Paths(environment: ["HOME": "/home/sam"])
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(paths: paths).send(ControlRequest(op: .status))
        }
        #expect(error?.code == .noRuntimeDirectory)
        #expect(error?.message.hasPrefix("XDG_RUNTIME_DIR is not set") == true)
    }

    @Test func pathTooLong() {
        let path = "/" + String(repeating: "x", count: 200) + "/control.sock"
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(socketPath: path).send(ControlRequest(op: .status))
        }
        #expect(error?.code == .socketPathTooLong)
    }

    @Test func closedWithoutAnswer() throws {
        let server = try FakeDaemon(answer: nil)
        defer { server.finish() }
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(socketPath: server.path, timeout: 5).send(ControlRequest(op: .back))
        }
        #expect(error?.code == .noAnswer)
    }

    @Test func silentDaemonTimesOut() throws {
        let server = try FakeDaemon(answer: nil, hold: 1.5)
        defer { server.finish() }
        let started = Date()
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(socketPath: server.path, timeout: 0.3).send(ControlRequest(op: .back))
        }
        #expect(error?.code == .timedOut)
        #expect(Date().timeIntervalSince(started) < 1.2)
    }

    @Test func garbledAnswer() throws {
        let server = try FakeDaemon(answer: ["hello\n"])
        defer { server.finish() }
        let error = #expect(throws: ControlClientError.self) {
            try ControlClient(socketPath: server.path, timeout: 5).send(ControlRequest(op: .back))
        }
        #expect(error?.code == .unreadableAnswer)
    }
}
