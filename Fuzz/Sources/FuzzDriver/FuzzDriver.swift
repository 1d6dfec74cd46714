/// Runs libFuzzer on a Swift closure.
///
/// SwiftPM links every executable with its entry point renamed to `<Target>_main`, which
/// takes the place of libFuzzer's own `main`; each target defines that entry and hands over
/// to `LLVMFuzzerRunDriver`, libFuzzer's documented way in for programs with their own main.
// swift-format-ignore: AlwaysUseLowerCamelCase
// libFuzzer's own name for it.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

nonisolated(unsafe) private var body: ([UInt8]) -> Void = { _ in }

public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ test: @escaping ([UInt8]) -> Void
) -> CInt {
    body = test
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in
        body(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}

/// libFuzzer's runtime refers to this symbol even when the driver is given a callback.
// swift-format-ignore: AlwaysUseLowerCamelCase
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    body(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
