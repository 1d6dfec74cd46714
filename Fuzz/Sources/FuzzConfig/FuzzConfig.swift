import BreatherCore
import Foundation
import FuzzDriver

/// breather.toml and a plan may hold anything a person (or an editor's crash) wrote. The
/// input is split at its first NUL byte: before it breather.toml, after it one plan.
/// Loading must give diagnostics, never a crash, and every diagnostic must name its file.
nonisolated(unsafe) private var folder: String = {
    let path = NSTemporaryDirectory() + "breather-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path + "/breather/plans", withIntermediateDirectories: true)
    return path
}()

func fuzzConfig(_ input: [UInt8]) {
    let bytes = input
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let settings = Data(bytes[..<split])
    let plan = split < bytes.count ? Data(bytes[(split + 1)...]) : Data()
    let paths = Paths(configDirectory: folder + "/breather", stateDirectory: folder + "/state", runtimeDirectory: nil)
    FileManager.default.createFile(atPath: paths.settingsFile, contents: settings)
    FileManager.default.createFile(atPath: paths.plansDirectory + "/fuzz.toml", contents: plan)
    let configuration = ConfigLoader.load(paths)
    for diagnostic in configuration.diagnostics {
        precondition(diagnostic.file.hasPrefix(folder), "a diagnostic names no file: \(diagnostic)")
        precondition(!diagnostic.message.isEmpty)
    }
}

@_cdecl("FuzzConfig_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzConfig)
}
