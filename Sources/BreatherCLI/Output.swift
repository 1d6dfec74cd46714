import ArgumentParser
import BreatherCore
import Foundation

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
        Paths(environment: ProcessInfo.processInfo.environment)
    }
}
