import ArgumentParser
import BreatherCore
import Foundation
import Glibc

/// Where the commands write: results on stdout, each failure as one sentence on stderr.
enum Output {
    /// Prints text (one or more lines) on stdout.
    static func print(_ text: String) {
        write(text, to: STDOUT_FILENO)
    }

    /// Prints one sentence (or a few lines) on stderr.
    static func error(_ text: String) {
        write(text, to: STDERR_FILENO)
    }

    /// Writes every byte; a failed write (or one that writes nothing) ends it, unreported,
    /// as there is nowhere left to tell. What `FileHandle.write(contentsOf:)` did, through
    /// write(2) directly: it and `Data(line.utf8)` cost a short command runtime type lookups
    /// on their first use.
    private static func write(_ text: String, to descriptor: Int32) {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { bytes in
            var written = 0
            while written < bytes.count {
                let result = SystemCall.valueOrErrno {
                    Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                }
                guard case .success(let count) = result, count > 0 else { return }
                written += count
            }
        }
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
        Paths(variable: variable)
    }

    /// One variable of this process's environment, or nil when it is not set. Read one by
    /// one rather than through `ProcessInfo.environment`, which copies the whole environment
    /// into a dictionary: `breather status` runs often, and every part of its start counts.
    static func variable(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
