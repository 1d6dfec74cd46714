// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Breather",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "breatherd", targets: ["breatherd"]),
        .executable(name: "breather", targets: ["breather"]),
        // For the fuzz package in Fuzz/, which builds the core with libFuzzer.
        .library(name: "BreatherCore", targets: ["BreatherCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // Pure Swift: the model, config, scheduling, state and control protocol. No C.
        .target(
            name: "BreatherCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log")
            ]
        ),

        // C libraries, each behind a module map and a shim of typed wrappers for variadic calls.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // The sd-bus calls `breather doctor` makes, loaded with dlopen: types only, no link.
        .systemLibrary(name: "CSystemdLoader"),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // Thin Swift wrappers that own the C handles.
        // Why a session bus call failed, shared by the daemon's notifier and `breather doctor`,
        // and doctor's look at the notification server through libsystemd loaded at run time,
        // so that the CLI does not link libsystemd.
        .target(
            name: "BreatherDesktopBus",
            dependencies: ["CSystemdLoader", "BreatherCore"]
        ),
        .target(
            name: "BreatherSystemd",
            dependencies: [
                "CSystemd", "BreatherCore", "BreatherDesktopBus",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BreatherHTTP",
            dependencies: ["CCurl", "BreatherCore"]
        ),

        // The daemon: socket server, timers, delivery workers, signals.
        .target(
            name: "BreatherDaemon",
            dependencies: [
                "BreatherCore", "BreatherSystemd", "BreatherHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "breatherd", dependencies: ["BreatherDaemon"]),

        // The command tree, a library so its help text can be golden-tested.
        .target(
            name: "BreatherCLI",
            dependencies: [
                "BreatherCore",
                "BreatherDesktopBus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "breather", dependencies: ["BreatherCLI"]),

        .testTarget(
            name: "BreatherCoreTests", dependencies: ["BreatherCore"], exclude: ["Regressions", "TOMLDifferential"]
        ),
        .testTarget(
            name: "BreatherEdgeTests",
            dependencies: ["BreatherSystemd", "BreatherDesktopBus", "BreatherHTTP", "BreatherCore"]
        ),
        .testTarget(name: "BreatherCLITests", dependencies: ["BreatherCLI", "BreatherCore"], exclude: ["Golden"]),
        .testTarget(
            name: "BreatherDaemonTests",
            dependencies: ["BreatherDaemon", "BreatherCore", .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
