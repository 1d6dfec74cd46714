import BreatherCore
import FuzzDriver

/// A plan's message text is parsed as a template; rendering must never fail on any text.
func fuzzTemplate(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    if let template = try? Template(text) {
        var values: [Template.Variable: String] = [:]
        for variable in Template.Variable.allCases { values[variable] = "{\(variable.rawValue)}" }
        _ = template.render(values)
        precondition(template.source == text)
    }
    _ = Span(duration: text)
    _ = Span(offset: text)
    _ = Timestamp.parse(text)
}

@_cdecl("FuzzTemplate_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTemplate)
}
