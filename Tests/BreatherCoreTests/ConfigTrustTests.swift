import Foundation
import Testing

@testable import BreatherCore

/// A file others may change or that another user owns is refused, as ssh refuses keys.
@Suite struct ConfigTrustTests {
    func withFile(mode: Int, _ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("breather-trust-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/plan.toml"
        FileManager.default.createFile(atPath: path, contents: Data("duration = \"30m\"\n".utf8))
        chmod(path, mode_t(mode))
        try body(path)
    }

    @Test func aPrivateFileIsTrusted() throws {
        try withFile(mode: 0o600) { #expect(FileTrust.problem($0) == nil) }
        try withFile(mode: 0o644) { #expect(FileTrust.problem($0) == nil) }
    }

    @Test func aFileOthersMayChangeIsRefused() throws {
        try withFile(mode: 0o666) { path in
            #expect(
                FileTrust.problem(path)
                    == "may be changed by other users (mode 666), so Breather will not use it; run `chmod go-w \(path)`."
            )
        }
        try withFile(mode: 0o620) { #expect(FileTrust.problem($0) != nil) }
    }

    @Test func aFileAnotherUserOwnsIsRefused() throws {
        try withFile(mode: 0o600) { path in
            // Judged as if we were uid 4242: the file belongs to us (or root), not to them.
            let problem = FileTrust.problem(path, owner: 4242)
            if getuid() == 0 {
                #expect(problem == nil, "root-owned files are trusted, as ssh trusts them")
            } else {
                #expect(problem?.hasPrefix("belongs to another user (uid \(getuid()))") == true)
            }
        }
    }

    @Test func aSymlinkIsJudgedByItsTarget() throws {
        try withFile(mode: 0o666) { path in
            let link = path + ".link"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
            #expect(FileTrust.problem(link)?.hasPrefix("may be changed by other users") == true)
            chmod(path, 0o600)
            #expect(FileTrust.problem(link) == nil)
        }
    }

    @Test func theLoaderReportsAnUntrustedPlanAndLoadsTheRest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("breather-trust-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = Paths(configDirectory: folder, stateDirectory: folder + "/state", runtimeDirectory: nil)
        try FileManager.default.createDirectory(atPath: paths.plansDirectory, withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: paths.settingsFile, contents: Data("me = \"Sam\"\npartner = \"Alex\"\n".utf8))
        FileManager.default.createFile(
            atPath: paths.plansDirectory + "/good.toml", contents: Data("duration = \"30m\"\n".utf8))
        FileManager.default.createFile(
            atPath: paths.plansDirectory + "/shared.toml", contents: Data("duration = \"30m\"\n".utf8))
        chmod(paths.plansDirectory + "/shared.toml", 0o666)
        let configuration = ConfigLoader.load(paths)
        #expect(configuration.plans.keys.sorted() == ["good"])
        let shared = try #require(configuration.planFiles.first { $0.name == "shared" })
        #expect(
            shared.diagnostics.map(\.description) == [
                "\(paths.plansDirectory)/shared.toml: this file may be changed by other users (mode 666), so Breather will not use it; run `chmod go-w \(paths.plansDirectory)/shared.toml`."
            ])
    }
}
