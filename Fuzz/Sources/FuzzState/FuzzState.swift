import BreatherCore
import Foundation
import FuzzDriver

/// A state file left on disk may be anything; whatever decodes must drive the machine
/// without a crash.
func fuzzState(_ input: [UInt8]) {
    let bytes = Data(input)
    // As the daemon does: what decodes is checked before the machine sees it.
    guard let state = try? BreatherJSON.decoder().decode(BreatherState.self, from: bytes), state.inconsistency == nil
    else { return }
    var machine = BreakMachine(
        state: state, settings: Settings(), values: MessageValues(timeZone: TimeZone(identifier: "UTC")!))
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    for effect in machine.tick(now: now) {
        if case .attempt(let delivery) = effect {
            _ = machine.finished(
                deliveryId: delivery.id, result: .failed(reason: "x.", retryable: true, retryAfter: nil), now: now,
                jitter: 0.5)
        }
    }
    _ = machine.nextWake()
    _ = try? machine.extend(by: Span(seconds: 60), now: now)
    _ = try? machine.back(now: now)
}

@_cdecl("FuzzState_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzState)
}
