import Foundation
import Testing

/// `check`, `eval` and `simulate` read every source `serve` reads, with the environment's overlay beside it, through
/// the same code: the shipped layout served by a real nginx, and by moto standing in for SSM, gives exactly what the
/// local files give.
@Suite("Commands on remote sources and their overlays", .serialized)
struct RemoteSourceCommandTests {
    static let shipped = CommandRunner.repositoryRoot + "/config"

    /// The shipped config/ served by nginx; its base URL.
    static func servedLayout(in directory: TemporaryDirectory) throws -> (ExternalServer, String) {
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped) where name.hasPrefix("feature_flags") {
            try FileManager.default.copyItem(atPath: shipped + "/" + name, toPath: site + "/" + name)
        }
        let nginx = try ExternalServer.nginx(root: site, directory: directory)
        return (nginx, "http://127.0.0.1:\(nginx.port)")
    }

    @Test("over HTTP, check, eval and simulate apply production's overlay exactly as the local files do")
    func httpOverlays() throws {
        let directory = try TemporaryDirectory()
        let (nginx, base) = try Self.servedLayout(in: directory)
        defer { nginx.stop() }
        let remote = base + "/feature_flags.yaml"
        let local = "config/feature_flags.yaml"
        let commands: [[String]] = [
            ["check", "--environment", "production", "--output", "json"],
            ["eval", "--environment", "production", "phase2_health_checks", "--user-id", "user-42"],
            ["simulate", "--environment", "production", "--users", "2000", "--output", "json"],
        ]
        for command in commands {
            let overHTTP = try CommandRunner.exporter(command + ["--config.file", remote])
            let fromFiles = try CommandRunner.exporter(command + ["--config.file", local])
            #expect(overHTTP.status == 0, "\(command): \(overHTTP.standardError)")
            #expect(fromFiles.status == 0, "\(command): \(fromFiles.standardError)")
            // The same flags, percentages and checksum: only the names of the sources differ.
            #expect(
                overHTTP.standardOutput.replacingOccurrences(of: base + "/", with: "config/") == fromFiles.standardOutput,
                "\(command)")
        }
        // And production really is the overlay, not the base: phase2_health_checks is at 10%, not 30%.
        let check = try CommandRunner.exporter(["check", "--environment", "production", "--config.file", remote])
        #expect(check.standardOutput.contains("phase2_health_checks"))
        #expect(check.standardOutput.contains("overlay " + base + "/feature_flags_production.yaml")
            || check.standardOutput.contains(base + "/feature_flags_production.yaml"), "\(check.standardOutput)")
    }

    @Test("a named environment with no overlay and no section is refused, listing the known ones; none on purpose is allowed")
    func unknownEnvironment() throws {
        let directory = try TemporaryDirectory()
        let (nginx, base) = try Self.servedLayout(in: directory)
        defer { nginx.stop() }
        let remote = try CommandRunner.exporter(["check", "--config.file", base + "/feature_flags.yaml", "--environment", "qa"])
        #expect(remote.status == 1)
        #expect(remote.standardOutput.contains(
            "environment 'qa' is not known: the base has no environments.qa section and there is no overlay at "
                + base + "/feature_flags_qa.yaml"), "\(remote.standardOutput)")
        let onPurpose = try CommandRunner.exporter([
            "check", "--config.file", base + "/feature_flags.yaml", "--environment", "qa", "--config.overlay", "none",
        ])
        #expect(onPurpose.status == 0, "\(onPurpose.standardOutput)")

        let mistyped = try CommandRunner.exporter(["eval", "--environment", "Production", "ab_testing", "--user-id", "u"])
        #expect(mistyped.status == 1)
        #expect(mistyped.standardError.contains("environment 'Production' is not known"))
        #expect(mistyped.standardError.contains("known environments: development, production, staging"))
    }

    @Test("over SSM (moto), the overlay is the parameter <name>_<environment>")
    func ssmOverlays() throws {
        let directory = try TemporaryDirectory()
        let moto = try ExternalServer.moto(directory: directory)
        defer { moto.stop() }
        let endpoint = "http://127.0.0.1:\(moto.port)"
        for (name, file) in [("/ffe/flags", "feature_flags.yaml"), ("/ffe/flags_production", "feature_flags_production.yaml")] {
            try PythonTools.putParameter(
                endpoint: endpoint, name: name, value: String(contentsOfFile: Self.shipped + "/" + file, encoding: .utf8))
        }
        let environment = [
            "PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": endpoint,
        ]
        let command = ["eval", "--environment", "production", "rollback_mechanism", "--user-id", "user-42"]
        let overSSM = try CommandRunner.exporter(
            command + ["--config.file", "ssm:///ffe/flags?region=us-east-1"], environment: environment)
        let fromFiles = try CommandRunner.exporter(command + ["--config.file", "config/feature_flags.yaml"])
        #expect(overSSM.status == 0, "\(overSSM.standardError)")
        #expect(overSSM.standardOutput == fromFiles.standardOutput)
        let staging = try CommandRunner.exporter(
            ["check", "--environment", "staging", "--config.file", "ssm:///ffe/flags?region=us-east-1"], environment: environment)
        #expect(staging.status == 1)
        #expect(staging.standardOutput.contains("no overlay at ssm:///ffe/flags_staging?region=us-east-1"), "\(staging.standardOutput)")
    }
}
