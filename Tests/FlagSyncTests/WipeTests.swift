import FlagConfig
import Settings
import FlagEngine
@testable import FlagSync
import Foundation
import Testing

/// A store that answers "nothing", or far less than before, never wipes the flags in use.
@Suite("Emptied and shrunken configs are refused; the config in use stays")
struct WipeTests {
    static func flags(_ count: Int) -> String {
        "flags:\n" + (0..<count).map { "  f\($0):\n    state: enabled\n" }.joined()
    }

    static func synchronizer(_ path: String, _ options: ExporterSettings.Source = ExporterSettings.Source())
        -> ConfigSynchronizer
    {
        var options = options
        options.overlay = .beside
        let fetcher = SourceFetcher(source: .file(path: path), environment: "production", options: options, variables: [:])
        return ConfigSynchronizer(fetcher: fetcher, breaker: CircuitBreaker(), cache: nil)
    }

    static func rejection(_ report: RefreshReport) -> String? {
        if case .rejected(let error) = report.outcome { return error.description }
        return nil
    }

    @Test("null, an empty document and {} are refused after a good config, and the 20 flags stay", arguments: [
        "null\n", "---\n", "{}\n", "flags: {}\n", "flags:\n",
    ])
    func emptied(text: String) throws {
        let directory = NSTemporaryDirectory() + "wipe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/flags.yaml"
        try Self.flags(20).write(toFile: path, atomically: true, encoding: .utf8)
        // The overlay names two flags: an emptied base must not leave just those.
        try "flags:\n  f0:\n    state: disabled\n  f1:\n    state: disabled\n".write(
            toFile: directory + "/flags_production.yaml", atomically: true, encoding: .utf8)
        let sync = Self.synchronizer(path)
        #expect(sync.check(trigger: .startup).succeeded)
        #expect(sync.store.snapshot.count == 20)

        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = sync.check(trigger: .fileChange)
        #expect(!report.succeeded)
        #expect(Self.rejection(report) != nil, "\(text.debugDescription) was not refused")
        #expect(sync.store.snapshot.count == 20)
    }

    @Test("a config dropping more than half the flags at once is refused; max_flag_loss and allow_empty say otherwise")
    func shrunken() throws {
        let directory = NSTemporaryDirectory() + "shrink-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/flags.yaml"
        try Self.flags(20).write(toFile: path, atomically: true, encoding: .utf8)
        let sync = Self.synchronizer(path)
        #expect(sync.check(trigger: .startup).succeeded)

        try Self.flags(9).write(toFile: path, atomically: true, encoding: .utf8)
        let refused = sync.check(trigger: .fileChange)
        #expect(Self.rejection(refused) == path + ": flags: the new config drops 11 of the 20 flags in use at once, more than "
            + "source.max_flag_loss (0.5); refused, the config in use stays. Raise max_flag_loss (1 allows any loss) if this is intended")
        #expect(sync.store.snapshot.count == 20)
        // Exactly half is allowed.
        try Self.flags(10).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(sync.check(trigger: .fileChange).succeeded)
        #expect(sync.store.snapshot.count == 10)

        var permissive = ExporterSettings.Source()
        permissive.maximumFlagLoss = 1
        permissive.allowEmpty = true
        let allowing = Self.synchronizer(path, permissive)
        #expect(allowing.check(trigger: .startup).succeeded)
        try "flags: {}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(allowing.check(trigger: .fileChange).succeeded)
        #expect(allowing.store.snapshot.count == 0)
    }

    @Test("with nothing in use yet, a config with no flags is still refused unless allowed")
    func emptyAtStart() throws {
        let path = NSTemporaryDirectory() + "empty-\(UUID().uuidString).yaml"
        try "flags: {}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let report = Self.synchronizer(path).check(trigger: .startup)
        #expect(Self.rejection(report)?.contains("the config has no flags") == true)
    }
}
