// swift-tools-version: 6.0
// libFuzzer targets for the parts of Breather that read untrusted bytes. Build them with
// `make fuzz` (which passes -sanitize=fuzzer,address); a normal build never sees them.
import PackageDescription

let fuzzTarget: (String) -> Target = { name in
    .executableTarget(
        name: name,
        dependencies: [.product(name: "BreatherCore", package: "main"), "FuzzDriver"],
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "BreatherFuzz",
    dependencies: [.package(name: "main", path: "..")],
    targets: ["FuzzRequest", "FuzzTemplate", "FuzzState", "FuzzConfig"].map(fuzzTarget) + [.target(name: "FuzzDriver")],
    swiftLanguageModes: [.v6]
)
