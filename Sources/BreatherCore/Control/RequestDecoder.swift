import Foundation

/// Turns one line from the control socket into a request, or into the one sentence that
/// says what is wrong with it. Never throws anything else and never crashes on input.
public enum RequestDecoder {
    public static func decode(_ line: [UInt8]) -> Result<ControlRequest, ControlError> {
        guard line.count <= ControlRequest.maximumLineBytes else {
            return .failure(bad("The request is longer than \(ControlRequest.maximumLineBytes) bytes."))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            return .failure(bad("The request is not a JSON object on one line."))
        }
        guard let version = object["v"] as? Int else {
            return .failure(bad("The request has no protocol version \"v\"."))
        }
        guard version == ControlRequest.protocolVersion else {
            return .failure(
                ControlError(
                    code: .unsupportedVersion,
                    message:
                        "This breatherd speaks protocol version \(ControlRequest.protocolVersion), and the request uses version \(version); use a breather of the same release."
                ))
        }
        guard let op = object["op"] as? String else {
            return .failure(bad("The request has no operation \"op\"."))
        }
        guard ControlRequest.Operation(rawValue: op) != nil else {
            let known = ControlRequest.Operation.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(bad("Unknown operation \"\(op.prefix(40))\"; the known ones are \(known)."))
        }
        let request: ControlRequest
        do {
            request = try BreatherJSON.decoder().decode(ControlRequest.self, from: Data(line))
        } catch {
            return .failure(bad("The request's fields have the wrong types."))
        }
        // Two JSON readers may settle a duplicated key differently: what is acted on is
        // what the decoder read, so check that too.
        guard request.v == ControlRequest.protocolVersion, request.op.rawValue == op else {
            return .failure(bad("The request names a field more than once."))
        }
        return .success(request)
    }

    private static func bad(_ message: String) -> ControlError {
        ControlError(code: .badRequest, message: message)
    }
}
