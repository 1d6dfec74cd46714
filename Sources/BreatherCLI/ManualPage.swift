import ArgumentParser
import Foundation

/// `breather --generate-manual`: the man page breather(1), in roff, generated from the
/// command tree (argument-parser's JSON description of every command, argument and help
/// text), so it never drifts from `--help`. `make install` writes it to
/// `~/.local/share/man/man1/breather.1`.
enum ManualPage {
    static let option = "--generate-manual"

    static func printPage() {
        Output.print(render(BreatherCommand.self))
    }

    /// The parts of argument-parser's `--experimental-dump-help` JSON that a man page needs.
    struct ToolInfo: Decodable {
        var command: CommandInfo
    }

    struct CommandInfo: Decodable {
        var commandName: String
        var abstract: String?
        var discussion: String?
        var shouldDisplay: Bool?
        var defaultSubcommand: String?
        var subcommands: [CommandInfo]?
        var arguments: [ArgumentInfo]?
    }

    struct ArgumentInfo: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }

        var kind: String
        var shouldDisplay: Bool?
        var isOptional: Bool?
        var isRepeating: Bool?
        var names: [Name]?
        var valueName: String?
        var defaultValue: String?
        var abstract: String?
        var discussion: String?

        var visible: Bool { shouldDisplay ?? true }

        /// `--for`, `-h, --help`.
        var spelled: [String] {
            (names ?? []).map { name in
                switch name.kind {
                case "short": "-\(name.name)"
                case "longWithSingleDash": "-\(name.name)"
                default: "--\(name.name)"
                }
            }
        }
    }

    static func render(_ root: any ParsableCommand.Type) -> String {
        guard let info = try? JSONDecoder().decode(ToolInfo.self, from: Data(root._dumpHelp().utf8)) else {
            return ".TH BREATHER 1\n.SH NAME\nbreather\n"
        }
        return render(info.command)
    }

    static func render(_ command: CommandInfo) -> String {
        let name = command.commandName
        let subcommands = (command.subcommands ?? []).filter { $0.shouldDisplay ?? true }
        var page: [String] = [
            ".TH \(name.uppercased()) 1 \"\" \"\(name)\" \"User Commands\"",
            ".SH NAME",
            "\(name) \\- \(escape(command.abstract ?? ""))",
            ".SH SYNOPSIS",
        ]
        if let defaultName = command.defaultSubcommand {
            page.append(".B \(name)")
            page.append(".br")
            page.append("(the same as \\fB\(name) \(defaultName)\\fR)")
            page.append(".br")
        }
        for sub in subcommands {
            page.append(".B \(name) \(sub.commandName)")
            let arguments = synopsis(sub)
            if !arguments.isEmpty { page.append(escape(arguments)) }
            page.append(".br")
        }
        page.append(".SH DESCRIPTION")
        page += paragraphs(command.discussion)
        page.append(".SH COMMANDS")
        for sub in subcommands {
            page.append(".SS \"\(name) \(sub.commandName)\"")
            page += paragraphs(sub.abstract)
            page += paragraphs(sub.discussion)
            for argument in (sub.arguments ?? []) where argument.visible && !argument.spelled.contains("--help") {
                page.append(".TP")
                page.append(term(argument))
                var help = argument.abstract ?? ""
                if let value = argument.defaultValue, !value.isEmpty, argument.kind != "flag" {
                    help += " (default: \(value))"
                }
                page.append(escape(help))
            }
        }
        page += [
            ".SH FILES",
            ".TP",
            "\\fI$XDG_CONFIG_HOME/breather/breather.toml\\fR",
            "Your names, the default plan and the channels (default folder \\fI~/.config/breather/\\fR).",
            ".TP",
            "\\fI$XDG_CONFIG_HOME/breather/plans/*.toml\\fR",
            "One plan per file; the file's name is the plan's name.",
            ".TP",
            "\\fI$XDG_STATE_HOME/breather/\\fR",
            "The running break, messages waiting to be sent, and history.jsonl (default \\fI~/.local/state/breather/\\fR).",
            ".TP",
            "\\fI$XDG_RUNTIME_DIR/breather/control.sock\\fR",
            "The socket where breatherd listens.",
            ".SH ENVIRONMENT",
            "Times are shown in the time zone of \\fBTZ\\fR, on a 12-hour or 24-hour clock as the locale of \\fBLC_ALL\\fR, \\fBLC_TIME\\fR or \\fBLANG\\fR writes them.",
            ".SH EXIT STATUS",
            "0 when the command did what it says; 1 with one sentence on standard error when it could not; 64 for a command line it cannot accept.",
            ".SH SEE ALSO",
            "\\fBbreatherd\\fR runs as the user service \\fIbreather.service\\fR: \\fBsystemctl \\-\\-user status breather\\fR, \\fBjournalctl \\-\\-user \\-u breather\\fR.",
        ]
        return page.joined(separator: "\n") + "\n"
    }

    /// `[<plan-or-code-word>] [--for <duration>] [--note <text>]`
    static func synopsis(_ command: CommandInfo) -> String {
        (command.arguments ?? []).filter { $0.visible && !$0.spelled.contains("--help") }.map { argument in
            var word: String
            switch argument.kind {
            case "positional":
                word = "<\(argument.valueName ?? "value")>"
            case "option":
                word = "\(argument.spelled.last ?? "") <\(argument.valueName ?? "value")>"
            default:
                word = argument.spelled.last ?? ""
            }
            if argument.isRepeating == true { word += " ..." }
            return argument.isOptional == true ? "[\(word)]" : word
        }.joined(separator: " ")
    }

    /// `\fB\-\-for\fR \fIduration\fR`
    static func term(_ argument: ArgumentInfo) -> String {
        let value = "\\fI\(escape(argument.valueName ?? "value"))\\fR"
        if argument.kind == "positional" { return value }
        let names = argument.spelled.map { "\\fB\(escape($0))\\fR" }.joined(separator: ", ")
        return argument.kind == "option" ? "\(names) \(value)" : names
    }

    /// Paragraphs of help text, each a `.PP` and its lines, escaped for roff.
    static func paragraphs(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var lines: [String] = []
        for paragraph in text.components(separatedBy: "\n\n") {
            lines.append(".PP")
            let rows = paragraph.split(separator: "\n").map(String.init)
            for (index, row) in rows.enumerated() {
                lines.append(escape(row))
                if index < rows.count - 1 { lines.append(".br") }
            }
        }
        return lines
    }

    /// Text made safe for roff: backslashes, hyphens, and a dot or quote at a line's start.
    static func escape(_ text: String) -> String {
        var escaped = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
        return escaped
    }
}
