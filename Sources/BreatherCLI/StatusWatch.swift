import ArgumentParser
import BreatherCore
import Foundation
import Glibc

/// Set by the SIGINT, SIGTERM and SIGHUP handlers of `status --watch`; read by its loop.
nonisolated(unsafe) private var watchStopSignal: sig_atomic_t = 0

/// `breather status --watch`: asks breatherd for the status once a second and shows the
/// countdown to the check-in until the break ends, breatherd goes away, or Ctrl-C.
struct StatusWatch {
    /// How long breatherd may stay silent (a restart, say) before the watch gives up.
    var patience: TimeInterval = 6
    var paths: Paths = Output.paths

    func run() throws {
        let screen = Screen(isTerminal: isatty(STDOUT_FILENO) == 1)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { _ in watchStopSignal = 1 }
        }
        defer { screen.finish() }

        var watched: String?
        var lastPlain: String?
        var silentSince: Date?
        while true {
            if watchStopSignal != 0 {
                screen.finish()
                Output.print(watched == nil ? "Stopped watching." : "Stopped watching; the break goes on.")
                return
            }
            let client = ControlClient(paths: paths, timeout: 3)
            let report: StatusReport
            do {
                let response = try client.send(ControlRequest(op: .status))
                guard response.ok, let status = response.status else {
                    screen.finish()
                    Output.error(
                        response.ok
                            ? "breatherd answered without a status; the two may be different versions."
                            : DaemonCall.refusal(response))
                    throw ExitCode.failure
                }
                report = status
                silentSince = nil
            } catch let error as ControlClientError {
                guard watched != nil else {
                    Output.error(error.message)
                    throw ExitCode.failure
                }
                let since = silentSince ?? Date()
                silentSince = since
                if Date().timeIntervalSince(since) >= patience {
                    screen.finish()
                    Output.error(
                        "breatherd stopped answering, so the countdown stopped; your break is saved and keeps its time, and `systemctl --user start breather` (or `breatherd` in a terminal) brings breatherd back."
                    )
                    throw ExitCode.failure
                }
                pause()
                continue
            }

            let clock = TimeInWords.local()
            guard report.active, let running = report.break, watched == nil || running.id == watched else {
                screen.finish()
                if let watched {
                    Output.print(WatchText.ended(record(of: watched), clock: clock))
                } else {
                    Output.print("No break is running, so there is nothing to count down.")
                }
                return
            }
            watched = running.id
            if screen.isTerminal {
                screen.draw(WatchText.frame(running, clock: clock, columns: Screen.columns()))
            } else {
                let line = WatchText.plainLine(running, clock: clock)
                // The clock at the start of the line changes every minute; the rest is what matters.
                let meaning = line.drop { $0 != " " }
                if lastPlain.map({ $0.drop { $0 != " " } }) != meaning {
                    Output.print(line)
                    lastPlain = line
                }
            }
            pause()
        }
    }

    /// The history record of a break that just ended, if it is there yet.
    private func record(of id: String) -> HistoryRecord? {
        for _ in 0..<5 {
            if let found = (try? HistoryFile(path: paths.historyFile).read())?.records.last(where: { $0.breakId == id })
            {
                return found
            }
            usleep(100_000)
        }
        return nil
    }

    /// Sleeps until the next whole second, waking early for a signal.
    private func pause() {
        let now = Date().timeIntervalSince1970
        let wait = max(0.05, 1 - (now - now.rounded(.down)))
        var slept = 0.0
        while slept < wait, watchStopSignal == 0 {
            let slice = min(0.1, wait - slept)
            usleep(UInt32(slice * 1_000_000))
            slept += slice
        }
    }
}

/// The lines of a watch on a terminal, redrawn in place: the cursor goes back to the first
/// line, everything below is cleared, the new lines are written. The cursor is hidden while
/// watching and shown again at the end, whatever ends it.
final class Screen {
    let isTerminal: Bool
    private var drawnLines = 0
    private var finished = false

    init(isTerminal: Bool) {
        self.isTerminal = isTerminal
    }

    func draw(_ lines: [String]) {
        var text = ""
        if drawnLines == 0 {
            text += "\u{1B}[?25l"
        } else {
            text += "\r"
            if drawnLines > 1 { text += "\u{1B}[\(drawnLines - 1)A" }
            text += "\u{1B}[J"
        }
        text += lines.joined(separator: "\n")
        drawnLines = lines.count
        write(text)
    }

    /// Leaves the cursor below the last frame, visible. Safe to call more than once.
    func finish() {
        guard isTerminal, !finished else { return }
        finished = true
        write((drawnLines > 0 ? "\n" : "") + "\u{1B}[?25h")
    }

    private func write(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    }

    /// The terminal's width, or `COLUMNS`, or 80.
    static func columns() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
    }
}
