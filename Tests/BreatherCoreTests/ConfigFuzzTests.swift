import Testing

@testable import BreatherCore

/// Mangled versions of the example files must load without a crash, and every problem
/// found must carry a line.
@Suite struct ConfigFuzzTests {
    /// A small deterministic generator, so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces: [String] = [
        "[", "]", "[[", "\"", "'", "\"\"\"", "'''", "=", ".", ",", "{", "}", "\n", "#", " ", "x", "1", "\\", "{me}",
        "-5m",
    ]

    func mangle(_ text: String, using generator: inout SplitMix) -> String {
        var characters = Array(text)
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !characters.isEmpty else { break }
            let index = Int.random(in: 0..<characters.count, using: &generator)
            if Bool.random(using: &generator) {
                characters.remove(at: index)
            } else {
                characters.insert(contentsOf: Self.pieces.randomElement(using: &generator)!, at: index)
            }
        }
        return String(characters)
    }

    @Test func mangledFilesNeverCrash() {
        var generator = SplitMix(state: 20_261_121)
        let fixture = ConfigFixture.example()
        defer { fixture.remove() }
        for _ in 0..<150 {
            fixture.writeSettings(mangle(ConfigFixture.exampleSettings, using: &generator))
            fixture.writePlan("cool-down", mangle(ConfigFixture.examplePlan, using: &generator))
            let config = fixture.load()
            for diagnostic in config.diagnostics {
                #expect(diagnostic.line != nil && diagnostic.line! >= 1, "\(diagnostic)")
                #expect(!diagnostic.message.isEmpty)
            }
            #expect(config.planFiles.count == 1)
        }
    }
}
