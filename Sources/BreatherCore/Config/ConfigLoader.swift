/// Reads breather.toml and every plan in the plans folder.
public enum ConfigLoader {
    public static func load(_ paths: Paths) -> Configuration {
        Configuration(settings: Settings(), settingsDiagnostics: [], planFiles: [])
    }
}
