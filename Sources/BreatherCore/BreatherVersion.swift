/// Breather's version, as the `User-Agent` and `--version` show it.
public enum BreatherVersion {
    public static let current = "0.1.0"
}
