import BreatherCore
import FuzzDriver

/// The control socket's decoder takes any bytes a local client sends.
func fuzzRequest(_ input: [UInt8]) {
    let line = input
    switch RequestDecoder.decode(line) {
    case .success(let request):
        precondition(request.v == ControlRequest.protocolVersion)
        return
    case .failure(let error):
        precondition(!error.message.isEmpty && error.message.hasSuffix("."))
        return
    }
}

@_cdecl("FuzzRequest_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzRequest)
}
