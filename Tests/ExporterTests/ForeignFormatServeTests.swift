import Foundation
import Testing

/// `serve` on a flagd file and on an Unleash payload fetched over HTTP: OFREP answers as their engines do, the
/// OpenFeature SDK resolves through it, and the metrics (configured shares, realised shares, SRM) cover them.
@Suite("serve: flagd and Unleash configs", .serialized)
struct ForeignFormatServeTests {
    static let settings = """
        synthetic:
          rate: 2000
          population:
            size: 20000
            attributes:
              user_type: {admin: 5, user: 95}
              environment: {production: 100}
              custom_attributes:
                email: {a@example.com: 1, b@example.org: 1}
                plan: {pro: 1, free: 1}

        """

    @Test("flagd: OFREP to the letter of flagd (a fractional pick is TARGETING_MATCH, a disabled flag the code default), the SDK, the split metrics")
    func flagd() throws {
        let directory = try TemporaryDirectory()
        let settings = try directory.write("exporter.yaml", Self.settings)
        let exporter = try RunningExporter(
            ["--config.file", FlagdCommandTests.example, "--exporter.config-file", settings, "--environment", "production"],
            directory: directory.path)
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let targeted = try probe.single("new-checkout", #"{"context":{"targetingKey":"user-1","email":"ana@example.com"}}"#)
        #expect(targeted.status == 200)
        #expect(targeted.json["reason"] as? String == "TARGETING_MATCH" && targeted.json["value"] as? Bool == true)
        let picked = try probe.single("button-color", #"{"context":{"targetingKey":"user-2"}}"#)
        #expect(picked.json["reason"] as? String == "TARGETING_MATCH" && picked.json["variant"] as? String == "green")
        #expect((picked.json["metadata"] as? [String: Any])?["reason"] as? String == "SPLIT")
        let disabled = try probe.single("legacy-export", #"{"context":{}}"#)
        #expect(disabled.status == 200)
        #expect(disabled.json["reason"] as? String == "DISABLED" && disabled.json["value"] == nil && disabled.json["variant"] == nil)
        let bulk = try probe.bulk(#"{"context":{"targetingKey":"user-2"}}"#)
        #expect((bulk.json["flags"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
            == ["new-checkout", "button-color", "mobile-redesign", "legacy-export"])
        try probe.validate()

        let sdk = try CommandRunner.run(
            try PythonTools.executable("python3"),
            [CommandRunner.repositoryRoot + "/Tests/Fixtures/ofrep/openfeature_flagd_client.py", exporter.baseURL])
        #expect(sdk.status == 0, "\(sdk.standardError)")
        var results: [String: [String: Any]] = [:]
        for line in sdk.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            results[object["case"] as? String ?? "?"] = object
        }
        #expect(results["targeted"]?["value"] as? Bool == true && results["targeted"]?["variant"] as? String == "on")
        #expect(results["fractional"]?["value"] as? String == "#388e3c")
        // The code default: the application's own value, whatever the provider calls it.
        #expect(results["disabled"]?["value"] as? Bool == true)

        #expect(try exporter.sample("feature_flag_variant_weight_ratio", ["flag_key=\"new-checkout\"", "variant=\"on\""]) == 0.25)
        #expect(try exporter.sample("feature_flag_info", ["flag_key=\"legacy-export\"", "state=\"disabled\""]) == 1)
        #expect(try RunningExporter.eventually(timeout: 10) {
            try exporter.sample("feature_flag_split_srm_p_value", ["flag_key=\"button-color\"", "source=\"synthetic\""]) != nil
        })
        func shares() throws -> (on: Double, off: Double) {
            let labels = ["flag_key=\"new-checkout\"", "reason=\"SPLIT\"", "source=\"synthetic\""]
            return (try exporter.sample("feature_flag_evaluations_total", labels + ["variant=\"on\""]) ?? 0,
                    try exporter.sample("feature_flag_evaluations_total", labels + ["variant=\"off\""]) ?? 0)
        }
        #expect(try RunningExporter.eventually(timeout: 10) { let (on, off) = try shares(); return on + off > 4000 })
        let (on, off) = try shares()
        #expect(abs(on / (on + off) - 0.25) < 0.03, "\(on) \(off)")
        #expect(try exporter.sample("feature_flag_evaluations_total", ["flag_key=\"legacy-export\"", "variant=\"code_default\"", "reason=\"FLAG_DISABLED\"", "source=\"synthetic\""]) ?? 0 > 0)
    }

    @Test("Unleash over HTTP: the Authorization and UNLEASH-APPNAME headers, 304 on an unchanged ETag, the rollout's realised share")
    func unleashOverHTTP() throws {
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site/api/client"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try String(contentsOfFile: UnleashCommandTests.example, encoding: .utf8).write(toFile: site + "/features", atomically: true, encoding: .utf8)
        let nginx = try ExternalServer.nginx(
            root: directory.path + "/site", directory: directory,
            serverDirectives: """
                location /api/client/ {
                    default_type application/json;
                    if ($http_authorization != "client-token-1") { return 401; }
                    if ($http_unleash_appname != "featureflag-exporter") { return 403; }
                }
                """)
        let settings = try directory.write("exporter.yaml", Self.settings + """
            source:
              format: unleash
              headers:
                - {name: Authorization, value_from_env: UNLEASH_TOKEN}
                - {name: UNLEASH-APPNAME, value: featureflag-exporter}

            """)
        let exporter = try RunningExporter(
            [
                "--config.file", "http://127.0.0.1:\(nginx.port)/api/client/features", "--exporter.config-file", settings,
                "--environment", "production", "--refresh.mode", "periodic", "--refresh.interval", "1",
            ] + RefreshTests.fastRefresh,
            directory: directory.path, environment: ["UNLEASH_TOKEN": "client-token-1"])
        defer { exporter.stop() }
        #expect(try exporter.sample("feature_flag_rollout_percentage", ["flag_key=\"checkout.new-flow\""]) == 25)
        // Unchanged: nginx answers 304 to the ETag; each check succeeds and nothing reloads.
        #expect(try RunningExporter.eventually(timeout: 8) { (try exporter.sample("feature_flag_refresh_success_total") ?? 0) >= 3 })
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"success\""]) == 1)
        #expect(!exporter.log.contains("client-token-1"))

        let answer = try OFREPProbe(exporter).single("checkout.new-flow", #"{"context":{"targetingKey":"user-4","plan":"pro","environment":"production"}}"#)
        #expect(answer.json["variant"] as? String == "blue" && answer.json["value"] as? String == "#1976d2")
        #expect(try RunningExporter.eventually(timeout: 10) {
            let hits = try exporter.sample("feature_flag_rollout_evaluations_total", ["flag_key=\"checkout.new-flow\"", "outcome=\"in\"", "source=\"synthetic\""]) ?? 0
            let misses = try exporter.sample("feature_flag_rollout_evaluations_total", ["flag_key=\"checkout.new-flow\"", "outcome=\"out\"", "source=\"synthetic\""]) ?? 0
            return hits + misses > 2000 && abs(hits / (hits + misses) - 0.25) < 0.04
        })

        // A wrong token: the store refuses, the config in use stays.
        let refused = try RunningExporter(
            ["--config.file", "http://127.0.0.1:\(nginx.port)/api/client/features", "--exporter.config-file", settings, "--refresh.mode", "none"],
            directory: directory.path, environment: ["UNLEASH_TOKEN": "wrong"])
        defer { refused.stop() }
        #expect(try HTTP.request("\(refused.baseURL)/health").body.contains("HTTP 401"))
    }

    @Test("make run CONFIG=<example> serves it with its own exporter settings, whose canaries all pass", arguments: [
        "config/examples/flagd.flags.json", "config/examples/unleash.features.json",
    ])
    func makeRunExamples(config: String) throws {
        let plan = try CommandRunner.run("/usr/bin/make", ["-s", "-n", "-C", CommandRunner.repositoryRoot, "run", "CONFIG=\(config)"])
        let exporterConfig = config.replacingOccurrences(of: ".flags.json", with: ".exporter.yaml")
            .replacingOccurrences(of: ".features.json", with: ".exporter.yaml")
        #expect(plan.standardOutput.contains("serve --config.file \(config) --exporter.config-file \(exporterConfig) "), "\(plan.standardOutput)")
        let directory = try TemporaryDirectory()
        let exporter = try RunningExporter(
            ["--config.file", config, "--exporter.config-file", exporterConfig], directory: directory.path)
        defer { exporter.stop() }
        var canaries: [Substring] = []
        #expect(try RunningExporter.eventually(timeout: 10) {
            canaries = try HTTP.request("\(exporter.baseURL)/metrics").body.split(separator: "\n")
                .filter { $0.hasPrefix("feature_flag_canary_success{") }
            return canaries.count >= 2 && canaries.allSatisfy { $0.hasSuffix(" 1.0") }
        }, "\(canaries)")
        #expect(!exporter.log.contains("canary failed"), "\(exporter.log)")
    }

    @Test("the mirror feed compares Unleash decisions as the SDKs name them: an enabled toggle without variants is `disabled` with enabled true")
    func unleashMirror() throws {
        let directory = try TemporaryDirectory()
        let feed = try directory.write("decisions.jsonl", "")
        let settings = try directory.write("exporter.yaml", "synthetic: {enabled: false}\n")
        let exporter = try RunningExporter(
            ["--config.file", UnleashCommandTests.example, "--exporter.config-file", settings, "--mirror.file", feed],
            directory: directory.path)
        defer { exporter.stop() }
        let lines = [
            // qa-1 is listed by userWithId, whose strategy has no variants: the SDK says `disabled`, enabled.
            #"{"flag_key":"checkout.new-flow","context":{"targetingKey":"qa-1","environment":"production"},"variant":"disabled","enabled":true}"#,
            #"{"flag_key":"checkout.new-flow","context":{"targetingKey":"qa-2","environment":"production"},"variant":"disabled","feature_enabled":true}"#,
            #"{"flag_key":"legacy.export","context":{"targetingKey":"u-1"},"variant":"disabled","enabled":false}"#,
            #"{"flag_key":"banner.holiday","context":{"targetingKey":"u-1"},"variant":"snow","enabled":true}"#,
            // Without `enabled` the name alone disagrees with ours: counted.
            #"{"flag_key":"checkout.new-flow","context":{"targetingKey":"qa-1","environment":"production"},"variant":"disabled"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: feed, atomically: false, encoding: .utf8)
        #expect(try RunningExporter.eventually(timeout: 10) {
            try exporter.sample("feature_flag_evaluations_total", ["source=\"mirror\""].map { $0 }) != nil
                && (try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout.new-flow\""]) ?? 0) >= 1
        })
        #expect(try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout.new-flow\""]) == 1)
        #expect(try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"legacy.export\""]) == 0)
        #expect(try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"banner.holiday\""]) == 0)
    }

    @Test("push takes an Unleash payload to a real Pushgateway: its toggles' series under the job, the rollout at 25%")
    func pushUnleash() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        let output = try CommandRunner.exporter([
            "push", "--config.file", UnleashCommandTests.example, "--exporter.config-file",
            CommandRunner.repositoryRoot + "/config/examples/unleash.exporter.yaml",
            "--gateway.url", "http://127.0.0.1:\(gateway.port)", "--job", "unleash-check",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        // No config version to name: the summary leaves it out rather than printing "(version )".
        #expect(output.standardOutput.hasPrefix("pushed 4 flags, 0 synthetic users, "), "\(output.standardOutput)")
        let body = try HTTP.request("http://127.0.0.1:\(gateway.port)/metrics").body
        #expect(body.contains(#"feature_flag_rollout_percentage{flag_key="checkout.new-flow",instance="",job="unleash-check"} 25"#), "\(body)")
        #expect(body.contains(#"feature_flag_info{flag_key="legacy.export",instance="",job="unleash-check",phase="",state="disabled",strategy="none"} 1"#))
    }
}
