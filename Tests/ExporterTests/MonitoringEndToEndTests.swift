import Foundation
import Testing

/// The shipped rules and dashboards against real servers: Prometheus and Alertmanager on 127.0.0.1 with
/// alerts/*.rules.yml, scraping the exporter (flags over HTTP from nginx, Redis pub/sub, pushing to the gateway,
/// a mirror feed) and a Pushgateway that a batch `push` has filled.
@Suite("Monitoring bundle end to end", .serialized)
struct MonitoringEndToEndTests {
    static let flags = """
        version: "e2e-1"
        flags:
          checkout:
            state: rollout
            default_variant: "off"
            variants: {on: true, off: false}
            rollout: {strategy: percentage, percentage: 30}
            targeting_rules:
              - {name: admins, condition: "user_type == 'admin'", variant: "on", priority: 100}
            metadata: {phase: 1}
          colour:
            state: rollout
            default_variant: control
            variants: {control: "grey", blue: "blue", green: "green"}
            rollout: {strategy: split, distribution: {control: 50, blue: 30, green: 20}}
            metadata: {phase: 2}
          ramp:
            state: rollout
            default_variant: "off"
            variants: {on: true, off: false}
            rollout:
              strategy: gradual
              gradual: {start_time: "2026-01-01T00:00:00Z", end_time: "2027-12-31T00:00:00Z", start_percentage: 5, end_percentage: 100}
            metadata: {phase: 3}
          typed:
            state: rollout
            default_variant: "off"
            variants: {on: true, off: false}
            rollout: {strategy: percentage, percentage: 50}
            targeting_rules:
              - {name: big_plans, condition: "plan > 5", variant: "on", priority: 10}
            metadata: {phase: 1}
          banner:
            state: enabled
            default_variant: "off"
            variants: {on: true, off: false}
            metadata: {phase: 2}
        alerts:
          flag_evaluation_errors: {threshold: 10}
          rollout_percentage_exceeded: {threshold: 0.05}
          configuration_reload_failed: {threshold: 1}

        """

    static let settings = """
        synthetic:
          rate: 2000
          population:
            size: 20000
            attributes:
              user_type: {admin: 5, user: 95}
              # A string compared with a number in the `typed` flag's rule: evaluation errors for the errors panel.
              custom_attributes:
                plan: {free: 70, pro: 30}
        canaries:
          interval: 1
          checks:
            - {name: admins-checkout, flag: checkout, context: {user_id: canary-1, user_type: admin}, expect: "on"}
        refresh:
          circuit_breaker: {failure_threshold: 1, recovery_timeout: 2}

        """

    /// Panels that may show nothing in a healthy few-second run, and why.
    static let mayBeEmpty: [String: String] = [
        "Breaker transitions and reloads": "transitions and refused reloads exist only after a failure",
        "Mirrored input refused": "needs malformed, oversized or rate-limited mirror input",
        "annotation Config changes": "marks a change of the config content in the last interval",
        "annotation Reloads refused": "marks a refused reload",
    ]

    @Test("every dashboard expression returns data; FeatureFlagCircuitBreakerOpen comes with a source outage and goes with its return")
    func endToEnd() throws {
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        _ = try directory.write("site/feature_flags.yaml", Self.flags)
        // Production's overlay, fetched beside the base (and, while nginx is down, failing with it).
        _ = try directory.write("site/feature_flags_production.yaml", "# production takes the base as it is\nflags: {}\n")
        var nginx: ExternalServer? = try ExternalServer.nginx(root: site, directory: directory)
        let nginxPort = nginx!.port
        defer { nginx?.stop() }
        let redis = try ExternalServer.redis(directory: directory)
        defer { redis.stop() }
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        let settingsFile = try directory.write("exporter.yaml", Self.settings)
        var mirror = ""
        for index in 0..<50 {
            mirror += #"{"flag_key":"checkout","context":{"user_id":"m-\#(index)"},"variant":"on"}"# + "\n"
        }
        let mirrorFile = try directory.write("decisions.jsonl", "")

        let exporter = try RunningExporter(
            [
                "--config.file", "http://127.0.0.1:\(nginxPort)/feature_flags.yaml", "--exporter.config-file", settingsFile,
                "--environment", "production", "--refresh.mode", "both", "--refresh.interval", "1",
                "--refresh.minimum-interval", "0.1", "--mirror.file", mirrorFile,
                "--push.gateway-url", "http://127.0.0.1:\(gateway.port)", "--push.interval", "1",
                // A web config with neither TLS nor users: plain HTTP, and its reload gauge for the rule that reads it.
                "--web.config.file", try directory.write("web.yml", "# plain HTTP, no users\n"),
                "--push.job", "featureflag_exporter_push",
            ],
            directory: directory.path, environment: ["REDIS_URL": "redis://127.0.0.1:\(redis.port)"])
        defer { exporter.stop() }
        // The feed is tailed from its end: lines written after the start are evaluated.
        try mirror.write(toFile: mirrorFile, atomically: false, encoding: .utf8)
        let batch = try CommandRunner.exporter([
            "push", "--config.file", "http://127.0.0.1:\(nginxPort)/feature_flags.yaml", "--exporter.config-file",
            settingsFile, "--users", "2000", "--gateway.url", "http://127.0.0.1:\(gateway.port)", "--job", "flag-ci",
        ])
        #expect(batch.status == 0, "\(batch.standardError)")

        let alertmanager = try ExternalServer.alertmanager(
            configuration: CommandRunner.repositoryRoot + "/config/alertmanager.yml", directory: directory)
        defer { alertmanager.stop() }
        let configuration = try directory.write(
            "prometheus.yml",
            """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["\(CommandRunner.repositoryRoot)/alerts/featureflag_exporter.rules.yml"]
            alerting:
              alertmanagers: [{static_configs: [{targets: ["127.0.0.1:\(alertmanager.port)"]}]}]
            scrape_configs:
              - job_name: featureflag_exporter
                static_configs: [{targets: ["127.0.0.1:\(exporter.port)"]}]
              - job_name: pushgateway
                honor_labels: true
                static_configs: [{targets: ["127.0.0.1:\(gateway.port)"]}]

            """)
        let prometheus = try ExternalServer.prometheus(configuration: configuration, directory: directory)
        defer { prometheus.stop() }

        // Every metric a panel or rule names is in a real scrape (the exporter's, or the gateway's own). The HTTP
        // metrics count requests once answered, so the first scrape is only a warm-up.
        _ = try HTTP.request("\(exporter.baseURL)/metrics")
        let scrape = try HTTP.request("\(exporter.baseURL)/metrics").body + (try HTTP.request("http://127.0.0.1:\(gateway.port)/metrics").body)
        var named: Set<String> = []
        for item in try MonitoringBundleTests.dashboardExpressions() { named.formUnion(MonitoringBundleTests.metricNames(in: item.expr)) }
        for rule in try MonitoringBundleTests.rules() { named.formUnion(MonitoringBundleTests.metricNames(in: rule["expr"] as? String ?? "")) }
        for name in named.subtracting(["up"]) {
            #expect(scrape.contains("\n# TYPE \(name) "), "\(name) is named by a panel or rule but not in a real scrape")
        }

        // After a few scrapes every panel expression has data, or is allowed not to.
        var empty: [String] = []
        _ = try RunningExporter.eventually(timeout: 90) {
            empty = []
            for item in try MonitoringBundleTests.dashboardExpressions() where Self.mayBeEmpty[item.panel] == nil {
                let answer = (try? prometheus.query(MonitoringBundleTests.substituted(item.expr, rateInterval: "30s"))) ?? ""
                if !answer.contains("\"result\":[{") { empty.append("\(item.dashboard) / \(item.panel): \(item.expr)") }
            }
            return empty.isEmpty
        }
        #expect(empty.isEmpty, "panels without data:\n\(empty.joined(separator: "\n"))")

        // The config source goes away: the breaker opens and the alert is pending or firing; it leaves once the source is back.
        nginx?.stop()
        nginx = nil
        func breakerAlertActive() -> Bool {
            let alerts = (try? HTTP.request("http://127.0.0.1:\(prometheus.port)/api/v1/alerts").body) ?? ""
            return alerts.contains("\"alertname\":\"FeatureFlagCircuitBreakerOpen\"")
        }
        #expect(RunningExporter.eventually(timeout: 60) { breakerAlertActive() }, "the breaker alert never came:\n\(exporter.log)")
        nginx = try ExternalServer.nginx(root: site, directory: directory, port: nginxPort)
        #expect(RunningExporter.eventually(timeout: 60) { !breakerAlertActive() }, "the breaker alert did not leave")
    }
}
