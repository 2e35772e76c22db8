import FlagConfig
import WireFormat
import Exporter
import FlagEngine
import Foundation
import Testing

@Suite("The featureflag_exporter command line", .serialized)
struct CommandLineTests {
    static let seed = CommandRunner.repositoryRoot + "/Tests/Fixtures/prompt-improver-feature_flags.yaml"

    /// A command's JSON report: its top-level members and its `flags` list (an issue is recorded when it is not one).
    static func jsonReport(_ output: CommandRunner.Output) throws -> (members: [String: FlagValue], flags: [FlagValue])? {
        let report = try JSONParser().parse(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        guard case .object(let members) = report, case .list(let flags)? = members["flags"] else {
            Issue.record("unexpected report \(output.standardOutput)")
            return nil
        }
        return (members, flags)
    }

    @Test("check on the seed file exits 0 and lists all 20 flags with on and off variants, in every environment")
    func checkSeed() throws {
        let output = try CommandRunner.exporter(["check", "--config.file", Self.seed])
        #expect(output.status == 0, "\(output.standardError)")
        for environment in ["development", "staging", "production"] {
            #expect(output.standardOutput.contains("environment \(environment): 20 flags"))
        }
        #expect(output.standardOutput.components(separatedBy: "ok: 20 flags").count == 4)
        #expect(output.standardOutput.contains("phase1_config_externalization"))
        #expect(output.standardOutput.contains("on,off"))
    }

    @Test("check --output json reports every flag of the shipped config", arguments: ["development", "staging", "production"])
    func checkJSON(environment: String) throws {
        let output = try CommandRunner.exporter([
            "check", "--config.file", "config/feature_flags.yaml", "--environment", environment, "--strict",
            "--output", "json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        guard let (members, flags) = try Self.jsonReport(output) else { return }
        #expect(members["ok"] == .bool(true))
        #expect(flags.count == 20)
        #expect(members["environment"] == .string(environment))
    }

    @Test("check exits 1 on a broken file and prints file:line:column with a caret")
    func checkBroken() throws {
        let path = NSTemporaryDirectory() + "broken-\(UUID().uuidString).yaml"
        try "flags:\n  a:\n    state: rollout\n    rollout: {percentage: 140}\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try CommandRunner.exporter(["check", "--config.file", path, "--environment", "production"])
        #expect(output.status == 1)
        #expect(output.standardOutput.contains("\(path):4:27: flags.a.rollout.percentage: 140 is not in 0...100"))
        #expect(output.standardOutput.contains("^"))
    }

    @Test("check --strict turns unknown fields into a failure")
    func checkStrict() throws {
        let path = NSTemporaryDirectory() + "strict-\(UUID().uuidString).yaml"
        try "flags:\n  a:\n    state: enabled\n    colour: blue\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try CommandRunner.exporter(["check", "--config.file", path, "--environment", "qa"]).status == 0)
        let strict = try CommandRunner.exporter(["check", "--config.file", path, "--environment", "qa", "--strict"])
        #expect(strict.status == 1)
        #expect(strict.standardOutput.contains("flags.a.colour: unknown field 'colour'"))
    }

    @Test("eval prints one JSON result with the seed's bucket")
    func evalOne() throws {
        let output = try CommandRunner.exporter([
            "eval", "--config.file", Self.seed, "--environment", "production", "phase1_config_externalization",
            "--user-id", "user123",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let result = try JSONParser().parse(output.standardOutput.trimmingCharacters(in: .newlines))
        guard case .object(let members) = result, case .double(let bucket)? = members["bucket"] else {
            Issue.record("unexpected \(output.standardOutput)")
            return
        }
        #expect(abs(bucket - 0.456757) < 1e-6)
        #expect(members["reason"] == .string("DEFAULT"))
    }

    @Test("eval applies --user-type and typed --attr to rules")
    func evalAttributes() throws {
        let admin = try CommandRunner.exporter([
            "eval", "--config.file", Self.seed, "--environment", "production", "phase1_config_externalization",
            "--user-id", "u", "--user-type", "admin",
        ])
        #expect(admin.standardOutput.contains("\"rule\":\"admin_users\""))
        let attribute = try CommandRunner.exporter([
            "eval", "--config.file", Self.seed, "--environment", "development", "phase1_pydantic_settings",
            "--user-id", "u", "--attr", "service=config",
        ])
        #expect(attribute.standardOutput.contains("\"rule\":\"config_service_users\""), "\(attribute.standardOutput)")
        let bad = try CommandRunner.exporter(["eval", "--config.file", Self.seed, "x", "--attr", "novalue"])
        #expect(bad.status != 0)
    }

    @Test("eval --batch answers every line in order; a malformed line gets an error line and the run goes on")
    func evalBatch() throws {
        let input = """
            {"flag_key":"rollback_mechanism","context":{"user_id":"a"}}
            {this is not json
            {"flag_key":"ghost","context":{"user_id":"b"}}

            {"flag_key":"phase1_config_externalization","context":{"user_id":"c","user_type":7}}
            [1,2]
            {"flag_key":"phase1_config_externalization","context":{"targetingKey":"user123","environment":"staging"}}
            """
        let output = try CommandRunner.exporter(
            ["eval", "--config.file", Self.seed, "--environment", "production", "--batch"], input: input)
        #expect(output.status == 0, "\(output.standardError)")
        let lines = output.standardOutput.split(separator: "\n").map(String.init)
        try #require(lines.count == 6)
        #expect(lines[0].hasPrefix("{\"flag_key\":\"rollback_mechanism\",\"variant\":\"on\""))
        #expect(lines[1].hasPrefix("{\"line\":2,\"error\":\"PARSE_ERROR\""))
        #expect(lines[2].contains("\"reason\":\"FLAG_NOT_FOUND\""))
        #expect(lines[3].hasPrefix("{\"line\":5,\"error\":\"INVALID_CONTEXT\""))
        #expect(lines[4].hasPrefix("{\"line\":6,\"error\":\"PARSE_ERROR\""))
        #expect(lines[5].contains("\"bucket\":0.456757"))
    }

    @Test("simulate --output json: every percentage rollout realises its configured share; --flag selects one")
    func simulateJSON() throws {
        let output = try CommandRunner.exporter([
            "simulate", "--config.file", "config/feature_flags.yaml", "--environment", "production", "--users", "20000",
            "--output", "json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        guard let (members, flags) = try Self.jsonReport(output) else { return }
        #expect(members["users"] == .int(20000))
        #expect(flags.count == 20)
        var percentageRollouts = 0
        for case .object(let flag) in flags {
            guard flag["strategy"] == .string("percentage"), case .double(let configured)? = flag["configured_percentage"],
                case .double(let realised)? = flag["realised_percentage"]
            else { continue }
            percentageRollouts += 1
            // 20,000 users: a binomial share within 1.5 points of 10% is more than 6 standard deviations wide.
            #expect(abs(realised - configured) < 1.5, "\(flag["flag_key"]!): \(realised)% against \(configured)%")
        }
        #expect(percentageRollouts >= 5)

        let one = try CommandRunner.exporter([
            "simulate", "--config.file", "config/feature_flags.yaml", "--environment", "production", "--users", "1000",
            "--flag", "ab_testing",
        ])
        #expect(one.status == 0, "\(one.standardError)")
        #expect(one.standardOutput.contains("simulated 1000 users, environment production"))
        #expect(one.standardOutput.contains("ab_testing"))
        #expect(!one.standardOutput.contains("phase1_config_externalization"))
        // Not a TTY: no progress bar on stdout or stderr.
        #expect(!one.standardError.contains("\r"))
    }

    @Test("simulate refuses an unknown flag and a zero population with a clear message")
    func simulateBadInput() throws {
        let unknown = try CommandRunner.exporter([
            "simulate", "--config.file", "config/feature_flags.yaml", "--users", "10", "--flag", "no_such_flag",
        ])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("no_such_flag"))
        let zero = try CommandRunner.exporter(["simulate", "--config.file", "config/feature_flags.yaml", "--users", "0"])
        #expect(zero.status != 0)
        #expect(zero.standardError.contains("--users"))
    }

    @Test("serve refuses an invalid exporter config with file:line:column for every error, before listening")
    func serveBadSettings() throws {
        let path = NSTemporaryDirectory() + "exporter-\(UUID().uuidString).yaml"
        try "synthetic:\n  rate: -5\n  population:\n    size: ten\ncanaries:\n  checks:\n    - {name: c, flag: f}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try CommandRunner.exporter([
            "serve", "--config.file", "config/feature_flags.yaml", "--exporter.config-file", path,
            "--web.listen-address", "127.0.0.1:0",
        ])
        #expect(output.status == 1)
        #expect(output.standardError.contains("\(path):2:9: synthetic.rate:"))
        #expect(output.standardError.contains("\(path):4:11: synthetic.population.size: expected an integer, found 'ten'"))
        #expect(output.standardError.contains("\(path):7:"))
        #expect(!output.standardError.contains("msg=listening"))
    }

    @Test("serve's typed options are parsed once, by the argument parser, with the value and why it is refused", arguments: [
        (["--web.listen-address", "nope"], "The value 'nope' is invalid for '--web.listen-address <web.listen-address>': 'nope' is not host:port"),
        (["--log.level", "loud"], "'loud' is not one of debug, info, warn, error"),
        (["--log.format", "xml"], "'xml' is not logfmt or json"),
        (["--refresh.mode", "sometimes"], "'sometimes' is not one of periodic, pubsub, both, none"),
        (["--web.listen-address", ":0", "--web.listen-address", ":0"], "--web.listen-address names the same address twice"),
    ])
    func serveTypedOptions(arguments: [String], message: String) throws {
        let result = try CommandRunner.exporter(["serve", "--no-synthetic"] + arguments)
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test("serve refuses bad refresh and source settings, a bad FEATURE_FLAG_REFRESH_MODE and an unknown scheme")
    func serveBadRefreshSettings() throws {
        let path = NSTemporaryDirectory() + "exporter-\(UUID().uuidString).yaml"
        try "refresh:\n  mode: sometimes\n  interval: 5\n  redis_url: http://x\nsource:\n  headers:\n    - {name: Authorization}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let listen = ["--web.listen-address", "127.0.0.1:0", "--no-synthetic"]
        let settings = try CommandRunner.exporter(["serve", "--exporter.config-file", path] + listen)
        #expect(settings.status == 1)
        #expect(settings.standardError.contains("\(path):2:9: refresh.mode: mode must be one of periodic, pubsub, both, none"))
        #expect(settings.standardError.contains("\(path):3:13: refresh.interval: interval must be at least 10 seconds"))
        #expect(settings.standardError.contains("\(path):4:14: refresh.redis_url"))
        #expect(settings.standardError.contains("\(path):7:7: source.headers[0]: a header needs exactly one of"))

        let mode = try CommandRunner.exporter(
            ["serve"] + listen, environment: ["PATH": "/usr/bin:/bin", "FEATURE_FLAG_REFRESH_MODE": "bogus"])
        #expect(mode.status == 1)
        #expect(mode.standardError.contains("FEATURE_FLAG_REFRESH_MODE 'bogus' is not one of periodic, pubsub, both, none"))

        let scheme = try CommandRunner.exporter(["serve", "--config.file", "ftp://x/y"] + listen)
        #expect(scheme.status == 1)
        #expect(scheme.standardError.contains("config source 'ftp://x/y': unknown scheme"))

        let interval = try CommandRunner.exporter(["serve", "--refresh.interval", "2"] + listen)
        #expect(interval.status != 0)
        #expect(interval.standardError.contains("--refresh.interval must be at least 10 seconds"))
    }

    @Test("--version and build_info name the version and the git revision the binary was built from")
    func version() throws {
        let output = try CommandRunner.exporter(["--version"])
        #expect(output.status == 0)
        // A commit of this checkout (HEAD when the build ran; `swift build` stamps it anew after each commit).
        let revision = BuildInfo.revision
        #expect(revision.count == 12 && revision.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(revision)")
        let known = try CommandRunner.run("/usr/bin/git", ["-C", CommandRunner.repositoryRoot, "cat-file", "-e", revision + "^{commit}"])
        #expect(known.status == 0, "\(revision) is not a commit of this repository: \(known.standardError)")
        #expect(output.standardOutput == "\(BuildInfo.version) (revision \(revision), Swift \(BuildInfo.swiftVersion))\n")
    }

    @Test("bucketing equals an independent Python implementation of the seed formula on 1,000,000 ids")
    func millionIDs() throws {
        let output = try CommandRunner.run(
            "/usr/bin/env",
            [
                "python3", CommandRunner.repositoryRoot + "/scripts/verify_bucketing.py", "--binary",
                CommandRunner.binary, "--config", Self.seed, "--count", "1000000",
            ])
        #expect(output.status == 0, "\(output.standardOutput)\(output.standardError)")
        #expect(output.standardOutput.contains("1000000 ids compared, 0 mismatches"))
    }
}
