import ArgumentParser
import BreatherCore
import Foundation
import Glibc

/// Where the commands write: results on stdout, each failure as one sentence on stderr.
enum Output {
    /// Prints text (one or more lines) on stdout.
    static func print(_ text: String) {
        write(text, to: .standardOutput)
    }

    /// Prints one sentence (or a few lines) on stderr.
    static func error(_ text: String) {
        write(text, to: .standardError)
    }

    private static func write(_ text: String, to handle: FileHandle) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        try? handle.write(contentsOf: Data(line.utf8))
    }

    /// Encodes a value as one line of JSON with Breather's coders (snake_case keys,
    /// RFC 3339 times with milliseconds) and prints it.
    static func printJSON<Value: Encodable>(_ value: Value) throws {
        let data: Data
        do {
            data = try BreatherJSON.encoder().encode(value)
        } catch {
            Output.error("breather could not write its answer as JSON.")
            throw ExitCode.failure
        }
        print(String(decoding: data, as: UTF8.self))
    }

    /// The folders Breather uses, from this process's XDG variables.
    static var paths: Paths {
        Paths(environment: variables(pathVariables))
    }

    /// What `Paths(environment:)` reads.
    static let pathVariables = ["HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"]

    /// The named variables of this process's environment that are set. Read one by one
    /// rather than through `ProcessInfo.environment`, which copies the whole environment
    /// into a dictionary: `breather status` runs often, and every part of its start counts.
    static func variables(_ names: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for name in names {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }
}
