import BreatherCore
import BreatherDesktopBus
import Dispatch
import Foundation
import Glibc
import Synchronization

/// One line of `breather doctor`: ok, a problem with what to do, or a check that was not made.
struct DoctorFinding: Hashable, Sendable {
    enum Verdict: String, Hashable, Sendable {
        /// Fine.
        case ok = "ok"
        /// Something to fix; the line says what to do. Makes doctor exit 1.
        case problem = "!!"
        /// Not checked, or not needed here; says why. Does not change the exit status.
        case skipped = "--"
    }

    var verdict: Verdict
    var subject: String
    var text: String

    static func ok(_ subject: String, _ text: String) -> DoctorFinding {
        DoctorFinding(verdict: .ok, subject: subject, text: text)
    }
    static func problem(_ subject: String, _ text: String) -> DoctorFinding {
        DoctorFinding(verdict: .problem, subject: subject, text: text)
    }
    static func skipped(_ subject: String, _ text: String) -> DoctorFinding {
        DoctorFinding(verdict: .skipped, subject: subject, text: text)
    }

    /// `ok  daemon: breatherd answers on /run/user/1000/breather/control.sock.`
    var line: String { "\(verdict.rawValue)  \(subject): \(text)" }
}

/// The checks of `breather doctor`. Each reads files, sockets and the resolver directly: no
/// shell, no subprocess, no sd-bus.
struct DoctorChecks {
    var environment: [String: String]
    var paths: Paths
    /// Where logind keeps one empty file per user with lingering on.
    var lingerDirectory = "/var/lib/systemd/linger"
    /// How long a host name lookup may take before it counts as failed.
    var resolveTimeout: TimeInterval = 5

    init(environment: [String: String]) {
        self.environment = environment
        self.paths = Paths(environment: environment)
    }

    func run() -> [DoctorFinding] {
        let configuration = ConfigLoader.load(paths)
        var findings = [daemon(), socketMode(), config(configuration)]
        findings += bus(configuration)
        findings += webhooks(configuration)
        findings += channelAnswers(configuration)
        findings.append(lingering())
        return findings
    }

    // MARK: daemon and socket

    func daemon() -> DoctorFinding {
        guard let path = paths.socketPath else {
            return .problem(
                "daemon",
                "XDG_RUNTIME_DIR is not set, so breatherd's socket has no place; run breather in your login session.")
        }
        let client = ControlClient(socketPath: path, timeout: 5)
        do {
            let answer = try client.send(ControlRequest(op: .ping))
            guard answer.ok else {
                return .problem(
                    "daemon",
                    "breatherd at \(path) refused a ping; restart it with `systemctl --user restart breather`.")
            }
            return .ok("daemon", "breatherd answers on \(path).")
        } catch {
            return .problem("daemon", error.message)
        }
    }

    func socketMode() -> DoctorFinding {
        guard let folder = paths.runtimeDirectory, let path = paths.socketPath else {
            return .skipped("socket", "not checked: XDG_RUNTIME_DIR is not set.")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return .problem(
                "socket",
                "there is no socket at \(path); start breatherd with `systemctl --user start breather.socket breather.service`."
            )
        }
        let mode = info.st_mode & 0o7777
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            return .problem(
                "socket",
                "\(path) is not a socket; remove it and restart breather with `systemctl --user restart breather.socket breather.service`."
            )
        }
        guard info.st_uid == getuid() else {
            return .problem(
                "socket", "\(path) belongs to another user (uid \(info.st_uid)); remove it and restart breather.")
        }
        var folderInfo = stat()
        if stat(folder, &folderInfo) == 0, folderInfo.st_mode & 0o077 != 0 {
            let folderMode = String(folderInfo.st_mode & 0o7777, radix: 8)
            return .problem(
                "socket",
                "the folder \(folder) has mode \(folderMode), so others may reach the socket; run `chmod 700 \(folder)`."
            )
        }
        guard mode & 0o077 == 0 else {
            return .problem(
                "socket",
                "\(path) has mode \(String(mode, radix: 8)), so others may use it; run `chmod 600 \(path)`, or restart breather.socket."
            )
        }
        return .ok("socket", "\(path) has mode \(String(mode, radix: 8)) in a folder only you can open.")
    }

    // MARK: config

    func config(_ configuration: Configuration) -> DoctorFinding {
        let problems = configuration.diagnostics
        guard problems.isEmpty else {
            let first = problems[0].description
            let more = problems.count > 1 ? " (and \(TimeInWords.count(problems.count - 1, "more problem")))" : ""
            return .problem("config", "\(first)\(more); `breather check` lists every problem.")
        }
        return .ok(
            "config",
            CheckCommand.verdict(configuration).replacingOccurrences(of: "The configuration is valid", with: "valid"))
    }

    // MARK: session bus

    func bus(_ configuration: Configuration) -> [DoctorFinding] {
        let needed = configuration.settings.channels.values.contains { $0.kind == .desktop }
        // No desktop channel: a missing bus costs nothing, so it is not a problem.
        let missing: (String) -> DoctorFinding = { text in
            needed ? .problem("session bus", text) : .skipped("session bus", text + " No desktop channel needs it.")
        }
        guard let path = sessionBusSocket() else {
            return [
                missing(
                    "DBUS_SESSION_BUS_ADDRESS names no Unix socket and XDG_RUNTIME_DIR is not set, so desktop notifications cannot be shown; install dbus-user-session and log in again."
                ),
                .skipped("notifications", "not checked: there is no session bus."),
            ]
        }
        if let failure = UnixProbe.connect(path) {
            return [
                missing(
                    "the session bus at \(path) does not accept a connection (\(failure)); install dbus-user-session and log in again."
                ),
                .skipped("notifications", "not checked: the session bus cannot be reached."),
            ]
        }
        return [.ok("session bus", "\(path) accepts a connection."), notificationServer(needed: needed)]
    }

    /// Asks the notification server for its capabilities: is it there, and does it show the
    /// "I'm back" and "10 more minutes" buttons?
    func notificationServer(needed: Bool) -> DoctorFinding {
        switch NotificationServer.capabilities() {
        case .success(let capabilities) where capabilities.contains("actions"):
            return .ok(
                "notifications",
                "a notification server is running and shows buttons, so \"I'm back\" and \"10 more minutes\" work from a notification."
            )
        case .success:
            return .ok(
                "notifications",
                "a notification server is running; it shows no buttons, so use `breather back` and `breather extend` in a terminal."
            )
        case .failure(let error):
            let text = error.message.prefix(1).lowercased() + error.message.dropFirst()
            return needed
                ? .problem(
                    "notifications",
                    text.hasSuffix(".") ? text + " Desktop messages wait and are retried until one is there." : text)
                : .skipped("notifications", text + " No desktop channel needs it.")
        }
    }

    /// The session bus's Unix socket: `unix:path=` from DBUS_SESSION_BUS_ADDRESS (the first
    /// such entry; `abstract=` as an abstract name with a leading NUL written as `@`), else
    /// `$XDG_RUNTIME_DIR/bus`, as sd-bus looks for it.
    func sessionBusSocket() -> String? {
        if let address = environment["DBUS_SESSION_BUS_ADDRESS"], !address.isEmpty {
            for entry in address.split(separator: ";") {
                guard entry.hasPrefix("unix:") else { continue }
                for pair in entry.dropFirst(5).split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { continue }
                    if parts[0] == "path" { return DoctorChecks.unescape(parts[1]) }
                    if parts[0] == "abstract" { return "@" + DoctorChecks.unescape(parts[1]) }
                }
            }
            return nil
        }
        guard let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") else { return nil }
        return Paths.join(runtime, "bus")
    }

    /// D-Bus addresses escape bytes as `%XX`.
    static func unescape(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: webhooks

    func webhooks(_ configuration: Configuration) -> [DoctorFinding] {
        configuration.settings.channels.values
            .filter { $0.kind == .webhook }
            .sorted { $0.name < $1.name }
            .compactMap { channel in channel.webhook.map { webhook(channel.name, $0) } }
    }

    func webhook(_ name: String, _ webhook: Webhook) -> DoctorFinding {
        let subject = "channel \(name)"
        for (key, file) in [("token_file", webhook.tokenFile), ("url_file", webhook.urlFile)] {
            guard let file else { continue }
            let path = paths.resolveInConfig(file)
            switch SecretFileMode(path: path) {
            case .private:
                break
            case .unreadable(let error):
                return .problem(
                    subject,
                    "its \(key) \(path) cannot be read (\(error)); create it with the secret in it and `chmod 600` it.")
            case .openToOthers:
                return .problem(subject, "its \(key) \(path) may be read by other users; run `chmod 600 \(path)`.")
            }
        }
        let url: String?
        if let written = webhook.url {
            url = written
        } else if let file = webhook.urlFile {
            url = (try? String(contentsOfFile: paths.resolveInConfig(file), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            url = nil
        }
        guard let url, let host = URLComponents(string: url)?.host, !host.isEmpty else {
            return .problem(subject, "its URL has no host name; fix the url (or url_file) in breather.toml.")
        }
        if let failure = resolve(host) {
            return .problem(
                subject,
                "the host \(host) cannot be resolved (\(failure)); check the URL and this machine's network and DNS.")
        }
        let secrets = webhook.tokenFile == nil && webhook.urlFile == nil ? "" : ", and its secret files are private"
        return .ok(subject, "\(host) resolves\(secrets).")
    }

    /// For Matrix channels and those with `hold_on_server`, breatherd asks their servers (it
    /// holds the HTTP client and the secrets): is the token taken, has the account joined the
    /// room, can the service hold messages. Nothing reaches the partner.
    func channelAnswers(_ configuration: Configuration) -> [DoctorFinding] {
        let asked = configuration.settings.channels.values
            .filter { $0.webhook.map { $0.preset == .matrix || $0.holdOnServer } ?? false }
            .sorted { $0.name < $1.name }
        guard !asked.isEmpty else { return [] }
        guard let path = paths.socketPath else { return [] }
        // Up to three questions to a slow server, each within the channel's own timeout.
        let client = ControlClient(socketPath: path, timeout: 60)
        return asked.map { channel in
            let subject = "server of \(channel.name)"
            do {
                let answer = try client.send(ControlRequest(op: .checkChannel, channel: channel.name))
                if answer.ok { return .ok(subject, answer.message ?? "it answers.") }
                return .problem(subject, answer.error?.message ?? "breatherd could not check it.")
            } catch {
                return .skipped(subject, "its server was not asked, as breatherd is not running.")
            }
        }
    }

    /// Nil when `host` resolves within `resolveTimeout`, else why not.
    func resolve(_ host: String) -> String? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let result = ResolveResult()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let code = getaddrinfo(bare, nil, &hints, &list)
            if list != nil { freeaddrinfo(list) }
            result.set(code == 0 ? nil : String(cString: gai_strerror(code)).lowercased())
            done.signal()
        }
        guard done.wait(timeout: .now() + resolveTimeout) == .success else {
            return "no answer within \(TimeInWords.count(Int(resolveTimeout), "second"))"
        }
        return result.get()
    }

    // MARK: lingering

    func lingering() -> DoctorFinding {
        guard let user = DoctorChecks.userName() else {
            return .skipped("lingering", "not checked: this user has no name in the password database.")
        }
        if access(Paths.join(lingerDirectory, user), F_OK) == 0 {
            return .ok("lingering", "on, so breatherd keeps a pending check-in after you log out.")
        }
        return .problem(
            "lingering",
            "off, so breatherd stops when you log out and a pending check-in waits until you log in again; run `loginctl enable-linger \(user)`."
        )
    }

    static func userName() -> String? {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}

/// The answer of a lookup running on its own thread.
private final class ResolveResult: Sendable {
    private let value = Mutex<String?>(nil)

    func set(_ text: String?) {
        value.withLock { $0 = text }
    }

    func get() -> String? {
        value.withLock { $0 }
    }
}

/// Connects to a Unix stream socket and closes it again.
enum UnixProbe {
    /// Nil when `path` (a leading `@` for an abstract name) accepts a connection, else why not.
    static func connect(_ path: String) -> String? {
        guard let address = try? UnixSocketAddress(pathOrAbstractName: path) else { return "the path is too long" }
        let socket: OwnedDescriptor
        do {
            socket = try UnixSocketAddress.streamSocket()
        } catch {
            return error.description
        }
        var limit = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(socket.rawValue, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        do {
            try address.connect(socket.rawValue)
            return nil
        } catch {
            return error.description
        }
    }
}
