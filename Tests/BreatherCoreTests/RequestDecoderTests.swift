import Testing

@testable import BreatherCore

/// Whatever a local client sends gets a request or one sentence, never a crash.
@Suite struct RequestDecoderTests {
    func decode(_ text: String) -> Result<ControlRequest, ControlError> {
        RequestDecoder.decode(Array(text.utf8))
    }

    @Test func aStartRequest() throws {
        let request = try decode(#"{"v":1,"op":"start","plan":"pineapple","for":"45m","note":"dishes"}"#).get()
        #expect(request == ControlRequest(op: .start, plan: "pineapple", for: "45m", note: "dishes"))
    }

    @Test(arguments: [
        ("not json", "The request is not a JSON object on one line."),
        ("[1,2]", "The request is not a JSON object on one line."),
        (#"{"op":"status"}"#, "The request has no protocol version \"v\"."),
        (#"{"v":1}"#, "The request has no operation \"op\"."),
        (
            #"{"v":1,"op":"fly"}"#,
            "Unknown operation \"fly\"; the known ones are start, back, extend, cancel, status, test, reload, ping, check_channel."
        ),
        (#"{"v":1,"op":"start","plan":7}"#, "The request's fields have the wrong types."),
    ])
    func badRequests(input: String, sentence: String) {
        guard case .failure(let error) = decode(input) else {
            Issue.record("\(input) was accepted")
            return
        }
        #expect(error.code == .badRequest)
        #expect(error.message == sentence)
    }

    @Test func anotherVersionIsNamed() {
        guard case .failure(let error) = decode(#"{"v":2,"op":"status"}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .unsupportedVersion)
    }

    /// Found by FuzzRequest: JSONSerialization and JSONDecoder settled the duplicated "v"
    /// differently, so a version-0 request passed the version check.
    @Test func aDuplicatedKeyIsRefused() {
        guard case .failure(let error) = decode(#"{"v":0,"v":1,"op":"start","plan":""}"#) else {
            Issue.record("a request with two versions was accepted")
            return
        }
        #expect(error.code == .badRequest)
        guard case .failure = decode(#"{"v":1,"op":"status","op":"start"}"#) else {
            Issue.record("a request with two operations was accepted")
            return
        }
    }

    @Test func anOversizedLine() {
        let huge =
            #"{"v":1,"op":"start","note":""# + String(repeating: "x", count: ControlRequest.maximumLineBytes) + #""}"#
        guard case .failure(let error) = decode(huge) else {
            Issue.record("accepted")
            return
        }
        #expect(error.message == "The request is longer than 65536 bytes.")
    }
}
