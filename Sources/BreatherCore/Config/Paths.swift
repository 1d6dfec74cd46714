/// Where Breather's files live, from the XDG base-directory variables, honoured exactly.
///
/// Nothing falls back to a fixed folder in /tmp: without `XDG_RUNTIME_DIR` the socket has
/// no home, and `runtimeDirectory` is nil.
public struct Paths: Sendable, Hashable {
    public var configDirectory: String
    public var stateDirectory: String
    public var runtimeDirectory: String?

    public init(configDirectory: String, stateDirectory: String, runtimeDirectory: String?) {
        self.configDirectory = configDirectory
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
    }

    /// Reads `XDG_CONFIG_HOME`, `XDG_STATE_HOME`, `XDG_RUNTIME_DIR` and `HOME`. Empty or
    /// relative values are ignored, as the XDG specification says.
    public init(environment: [String: String]) {
        self.init(variable: { environment[$0] })
    }

    /// The same, reading each variable through `variable`: a short-lived command can look
    /// up the four it needs without building a dictionary (the first one costs the runtime
    /// a search through every protocol conformance in the binary).
    public init(variable: (String) -> String?) {
        func absolute(_ key: String) -> String? {
            guard let value = variable(key), value.hasPrefix("/") else { return nil }
            return value
        }
        let home = absolute("HOME") ?? "/"
        let configHome = absolute("XDG_CONFIG_HOME") ?? Paths.join(home, ".config")
        let stateHome = absolute("XDG_STATE_HOME") ?? Paths.join(home, ".local/state")
        self.configDirectory = Paths.join(configHome, "breather")
        self.stateDirectory = Paths.join(stateHome, "breather")
        self.runtimeDirectory = absolute("XDG_RUNTIME_DIR").map { Paths.join($0, "breather") }
    }

    public var settingsFile: String { Paths.join(configDirectory, "breather.toml") }
    public var plansDirectory: String { Paths.join(configDirectory, "plans") }
    public var stateFile: String { Paths.join(stateDirectory, "state.json") }
    public var historyFile: String { Paths.join(stateDirectory, "history.jsonl") }
    public var socketPath: String? { runtimeDirectory.map { Paths.join($0, "control.sock") } }

    /// A path relative to the config folder made absolute (for `token_file` and `url_file`).
    public func resolveInConfig(_ path: String) -> String {
        path.hasPrefix("/") ? path : Paths.join(configDirectory, path)
    }

    public static func join(_ base: String, _ component: String) -> String {
        base.hasSuffix("/") ? base + component : base + "/" + component
    }
}
