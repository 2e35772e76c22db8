@testable import Exporter
import Foundation
import Testing

@Suite("init: the starter bundle")
struct InitTests {
    @Test("the binary carries the repository's files as they are (scripts/embed-starter-bundle.py is current)")
    func embeddedCopiesAreCurrent() throws {
        for file in StarterBundle.shippedFiles {
            let onDisk = try String(contentsOfFile: CommandRunner.repositoryRoot + "/" + file.source, encoding: .utf8)
            #expect(file.contents == onDisk, "\(file.source) changed: run python3 scripts/embed-starter-bundle.py")
        }
    }

    @Test("init writes a bundle that check, promtool check config and promtool test rules accept")
    func writesAUsableBundle() throws {
        let directory = try TemporaryDirectory()
        let target = directory.path + "/team-flags"
        let dryRun = try CommandRunner.exporter(["init", "--dir", target, "--dry-run"])
        #expect(dryRun.status == 0)
        #expect(dryRun.standardOutput.contains("would create \(target)/dashboards/featureflag-overview.json"))
        #expect(!FileManager.default.fileExists(atPath: target), "a dry run wrote something")

        let written = try CommandRunner.exporter(["init", "--dir", target])
        #expect(written.status == 0, "\(written.standardError)")
        for path in [
            "feature_flags.yaml", "feature_flags_development.yaml", "feature_flags_staging.yaml", "feature_flags_production.yaml",
            "exporter.yaml", "dashboards/featureflag-overview.json", "dashboards/technical-debt-phases.json",
            "alerts/featureflag_exporter.rules.yml", "alerts/tests/featureflag_exporter.test.yml", "prometheus.yml",
        ] {
            #expect(FileManager.default.fileExists(atPath: target + "/" + path), "\(path) missing")
        }
        for environment in ["development", "staging", "production"] {
            let check = try CommandRunner.exporter([
                "check", "--config.file", target + "/feature_flags.yaml", "--environment", environment, "--strict",
            ])
            #expect(check.status == 0, "\(environment): \(check.standardError)")
        }
        let config = try CommandRunner.run("/usr/bin/promtool", ["check", "config", target + "/prometheus.yml"])
        #expect(config.status == 0, "\(config.standardOutput)\(config.standardError)")
        let rules = try CommandRunner.run("/bin/sh", ["-c", "cd '\(target)' && promtool test rules alerts/tests/featureflag_exporter.test.yml"])
        #expect(rules.status == 0, "\(rules.standardOutput)\(rules.standardError)")
    }

    @Test("existing files are never overwritten without --force, and then nothing is written at all")
    func neverOverwrites() throws {
        let directory = try TemporaryDirectory()
        let target = directory.path + "/bundle"
        #expect(try CommandRunner.exporter(["init", "--dir", target, "--environment", "qa"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: target + "/feature_flags_qa.yaml"))
        #expect(!FileManager.default.fileExists(atPath: target + "/feature_flags_production.yaml"))
        let qa = try CommandRunner.exporter(["check", "--config.file", target + "/feature_flags.yaml", "--environment", "qa"])
        #expect(qa.status == 0, "\(qa.standardError)")

        try "# ours\nflags: {}\n".write(toFile: target + "/feature_flags.yaml", atomically: true, encoding: .utf8)
        let refused = try CommandRunner.exporter(["init", "--dir", target])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("use --force"))
        #expect(refused.standardError.contains(target + "/feature_flags.yaml"))
        #expect(try String(contentsOfFile: target + "/feature_flags.yaml", encoding: .utf8) == "# ours\nflags: {}\n")
        #expect(!FileManager.default.fileExists(atPath: target + "/feature_flags_production.yaml"), "a refused run wrote")

        let forced = try CommandRunner.exporter(["init", "--dir", target, "--force"])
        #expect(forced.status == 0)
        #expect(forced.standardOutput.contains("overwrote \(target)/feature_flags.yaml"))
        #expect(try String(contentsOfFile: target + "/feature_flags.yaml", encoding: .utf8) != "# ours\nflags: {}\n")
    }
}
