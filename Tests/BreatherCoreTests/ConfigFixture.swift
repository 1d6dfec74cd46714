import Foundation

@testable import BreatherCore

/// A config folder in a fresh temporary directory; `remove()` deletes it.
struct ConfigFixture {
    let root: String
    let paths: Paths

    init() {
        root =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("breather-config-\(UUID().uuidString)").path
        paths = Paths(
            configDirectory: root + "/config/breather",
            stateDirectory: root + "/state/breather",
            runtimeDirectory: nil
        )
        try? FileManager.default.createDirectory(atPath: paths.plansDirectory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func writeSettings(_ text: String) {
        write(paths.settingsFile, text)
    }

    func writePlan(_ name: String, _ text: String) {
        write(planPath(name), text)
    }

    func planPath(_ name: String) -> String {
        paths.plansDirectory + "/" + name + ".toml"
    }

    func write(_ path: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    func load() -> Configuration {
        ConfigLoader.load(paths)
    }

    /// Loads and returns every diagnostic as `file:line: message`, with the fixture's
    /// folder shortened to `CONFIG` for readable assertions.
    func diagnostics() -> [String] {
        load().diagnostics.map { $0.description.replacingOccurrences(of: paths.configDirectory, with: "CONFIG") }
    }

    /// A fixture with the SPEC's breather.toml and cool-down plan.
    static func example() -> ConfigFixture {
        let fixture = ConfigFixture()
        fixture.writeSettings(exampleSettings)
        fixture.writePlan("cool-down", examplePlan)
        return fixture
    }

    static let exampleSettings = #"""
        me = "Sam"
        partner = "Alex"
        default_plan = "cool-down"       # used by a bare `breather start`

        [channels.desktop]
        type = "desktop"

        [channels.alex]
        type = "webhook"
        preset = "ntfy"                  # json (default) | ntfy | slack | discord | matrix | telegram | gotify
        url = "https://ntfy.example.org/sam-and-alex"
        token_file = "secrets/ntfy-token" # optional; relative to the config folder; never logged
        timeout = "10s"

        """#

    static let examplePlan = #"""
        description = "Step away from an argument to calm down"
        code_word = "pineapple"          # optional: `breather start pineapple` starts this plan
        duration = "30m"                 # the promised check-in is this long after the start

        [announce]                       # optional: sent the moment the break starts
        to = ["alex"]
        message = "I love you and I'm not going anywhere. I'm taking a breather so this doesn't get worse; I'll come find you at {checkin_time}."

        [[reminder]]                     # any number; offset is relative to the check-in time
        offset = "-5m"
        to = ["desktop"]
        message = "{minutes_left} minutes until you promised to check in with {partner}."

        [[reminder]]
        offset = "0s"
        to = ["desktop"]
        message = "Time to check in with {partner}, as you promised."

        [[reminder]]
        offset = "+10m"                  # only if the break is still running then
        to = ["alex"]
        message = "{me} hasn't forgotten you and is still calming down. Back soon."

        [back]                           # optional: sent on `breather back`
        to = ["alex"]
        message = "{me} is back and ready to talk."

        [extend]                         # optional: sent on `breather extend`
        to = ["alex"]
        message = "{me} needs a little more time. New check-in: {checkin_time}."

        """#

    /// A small valid plan that sends to the example's channels.
    static let minimalPlan = #"""
        duration = "20m"

        [announce]
        to = ["alex"]
        message = "{me} is taking a break."

        """#
}
