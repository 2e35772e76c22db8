import Foundation
import Testing
import Yams

/// The lint of the monitoring bundle: alerts/, the dashboards' PromQL, config/ and docker-compose.yml, with Debian's
/// promtool, amtool and docker-compose (the dashboards' own model: DashboardTests).
@Suite("Monitoring bundle")
struct MonitoringBundleTests {
    static let root = CommandRunner.repositoryRoot
    static let rulesFile = root + "/alerts/featureflag_exporter.rules.yml"
    static let rulesTests = root + "/alerts/tests/featureflag_exporter.test.yml"
    static let dashboardFiles = ["featureflag-overview.json", "technical-debt-phases.json"].map { root + "/dashboards/" + $0 }

    static func dashboard(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("\(path) is not a JSON object")
        }
        return object
    }

    static func panels(of dashboard: [String: Any]) -> [[String: Any]] {
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        return top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
    }

    /// Every panel and annotation expression of the shipped dashboards, with the panel it belongs to.
    static func dashboardExpressions() throws -> [(dashboard: String, panel: String, expr: String)] {
        var result: [(String, String, String)] = []
        for path in dashboardFiles {
            let board = try dashboard(path)
            for panel in panels(of: board) {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    if let expr = target["expr"] as? String {
                        result.append((board["title"] as? String ?? path, panel["title"] as? String ?? "?", expr))
                    }
                }
            }
            let annotations = (board["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            for annotation in annotations {
                if let expr = annotation["expr"] as? String {
                    result.append((board["title"] as? String ?? path, "annotation " + (annotation["name"] as? String ?? "?"), expr))
                }
            }
        }
        return result
    }

    /// The expression as Prometheus runs it with every variable at "All" (`.+`) and a 1-minute rate interval.
    static func substituted(_ expr: String, rateInterval: String = "1m") -> String {
        var result = expr.replacingOccurrences(of: "$__rate_interval", with: rateInterval)
        for variable in ["$job", "$instance", "$flag_key", "$source"] {
            result = result.replacingOccurrences(of: variable, with: ".+")
        }
        return result
    }

    static func rules() throws -> [[String: Any]] {
        let text = try String(contentsOfFile: rulesFile, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any], let groups = root["groups"] as? [[String: Any]] else {
            throw TestFailure("\(rulesFile) has no groups")
        }
        return groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
    }

    /// Metric names in a PromQL expression (ours, the process metrics, the gateway's and `up`).
    static func metricNames(in expr: String) -> Set<String> {
        let pattern = try! NSRegularExpression(
            pattern: #"(?<![:\w])(feature_flag_[a-z_]+|technical_debt_[a-z_]+|process_[a-z_]+|push_time_seconds|push_failure_time_seconds|up)(?![:\w])(?!\s*\()"#)
        var names: Set<String> = []
        let range = NSRange(expr.startIndex..., in: expr)
        for match in pattern.matches(in: expr, range: range) {
            guard let found = Range(match.range(at: 1), in: expr) else { continue }
            var name = String(expr[found])
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && name.contains("_seconds") {
                name = String(name.dropLast(suffix.count))
            }
            names.insert(name)
        }
        return names
    }

    /// Metric families listed in the tables of docs/metrics.md (the project's catalog).
    static func catalog() throws -> Set<String> {
        let text = try String(contentsOfFile: root + "/docs/metrics.md", encoding: .utf8)
        var names: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cell = line.dropFirst(2).prefix { $0 != " " && $0 != "|" }
            if cell.hasPrefix("feature_flag_") || cell.hasPrefix("technical_debt_") { names.insert(String(cell)) }
        }
        for family in [
            "feature_flag_exporter_build_info", "feature_flag_exporter_http_requests_total",
            "feature_flag_exporter_http_request_duration_seconds", "process_cpu_seconds_total",
            "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
            "process_start_time_seconds",
        ] where text.contains(family) {
            names.insert(family)
        }
        return names
    }

    @Test("every dashboard expression and every rule is valid PromQL (promtool check rules)")
    func promQL() throws {
        let directory = try TemporaryDirectory()
        var rules = "groups:\n  - name: dashboard_expressions\n    rules:\n"
        for (index, item) in try Self.dashboardExpressions().enumerated() {
            let expr = Self.substituted(item.expr).replacingOccurrences(of: "\n", with: " ")
            rules += "      - record: dashboard_check:expression_\(index)\n        expr: '\(expr.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let file = try directory.write("dashboard-rules.yml", rules)
        let dashboards = try CommandRunner.run("/usr/bin/promtool", ["check", "rules", file])
        #expect(dashboards.status == 0, "\(dashboards.standardOutput)\(dashboards.standardError)")
        let shipped = try CommandRunner.run("/usr/bin/promtool", ["check", "rules", Self.rulesFile])
        #expect(shipped.status == 0, "\(shipped.standardOutput)\(shipped.standardError)")
    }

    @Test("alerts: mixin conventions, a runbook section each, promtool tests that fire and that stay silent for each")
    func alertRules() throws {
        let runbook = try String(contentsOfFile: Self.root + "/docs/runbook.md", encoding: .utf8)
        let anchors = Set(runbook.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { heading in
            String(heading.dropFirst(3)).lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == " " }
                .replacingOccurrences(of: " ", with: "-")
        })
        let alerts = try Self.rules().filter { $0["alert"] != nil }
        #expect(alerts.count >= 12)
        for rule in alerts {
            let name = rule["alert"] as? String ?? ""
            #expect(name.first?.isUppercase == true && !name.contains("_") && name.hasPrefix("FeatureFlag"), "\(name)")
            let severity = (rule["labels"] as? [String: Any])?["severity"] as? String
            #expect(["critical", "warning", "info"].contains(severity ?? ""), "\(name): severity \(severity ?? "none")")
            let annotations = rule["annotations"] as? [String: Any] ?? [:]
            for key in ["summary", "description", "runbook_url"] {
                #expect((annotations[key] as? String)?.isEmpty == false, "\(name): no \(key)")
            }
            let anchor = (annotations["runbook_url"] as? String)?.split(separator: "#").last.map(String.init) ?? ""
            #expect(anchor == name.lowercased(), "\(name): runbook anchor \(anchor)")
            #expect(anchors.contains(anchor), "\(name): docs/runbook.md has no section '## \(name)'")
        }
        for required in [
            "FeatureFlagExporterDown", "FeatureFlagConfigStale", "FeatureFlagCircuitBreakerOpen", "FeatureFlagRefreshFailing",
            "FeatureFlagConfigRejected", "FeatureFlagEvaluationErrors", "FeatureFlagRolloutDrift",
            "FeatureFlagSplitSampleRatioMismatch", "FeatureFlagCanaryFailing", "FeatureFlagMirrorMismatch",
            "FeatureFlagPushgatewayStale", "FeatureFlagPushFailing",
        ] {
            #expect(alerts.contains { $0["alert"] as? String == required }, "missing \(required)")
        }

        // The checker counts the promtool cases: each alert fires in one and stays silent in another.
        let testText = try String(contentsOfFile: Self.rulesTests, encoding: .utf8)
        let tests = ((try Yams.load(yaml: testText) as? [String: Any])?["tests"] as? [[String: Any]]) ?? []
        var firing: [String: Int] = [:]
        var silent: [String: Int] = [:]
        for test in tests {
            for check in test["alert_rule_test"] as? [[String: Any]] ?? [] {
                let name = check["alertname"] as? String ?? ""
                if (check["exp_alerts"] as? [Any] ?? []).isEmpty { silent[name, default: 0] += 1 } else { firing[name, default: 0] += 1 }
            }
        }
        for rule in alerts {
            let name = rule["alert"] as? String ?? ""
            #expect(firing[name, default: 0] >= 1, "\(name) has no promtool case where it fires")
            #expect(silent[name, default: 0] >= 1, "\(name) has no promtool case where it must not fire")
        }
        let run = try CommandRunner.run("/usr/bin/promtool", ["test", "rules", Self.rulesTests])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
    }

    @Test("every metric a panel or rule names is in docs/metrics.md, and every catalog metric is used by one")
    func metricCoverage() throws {
        var used: Set<String> = []
        for item in try Self.dashboardExpressions() { used.formUnion(Self.metricNames(in: item.expr)) }
        for rule in try Self.rules() { used.formUnion(Self.metricNames(in: rule["expr"] as? String ?? "")) }
        let catalog = try Self.catalog()
        let external: Set<String> = ["up", "push_time_seconds", "push_failure_time_seconds"]
        for name in used.subtracting(external) {
            #expect(catalog.contains(name), "\(name) is used but not in docs/metrics.md")
        }
        for name in catalog {
            #expect(used.contains(name), "\(name) is in docs/metrics.md but no panel or rule uses it")
        }
    }

    @Test("promtool check config, amtool check-config and docker-compose config accept the stack")
    func stackConfig() throws {
        let prometheus = try CommandRunner.run("/usr/bin/promtool", ["check", "config", Self.root + "/config/prometheus.yml"])
        #expect(prometheus.status == 0, "\(prometheus.standardOutput)\(prometheus.standardError)")
        let alertmanager = try CommandRunner.run("/usr/bin/amtool", ["check-config", Self.root + "/config/alertmanager.yml"])
        #expect(alertmanager.status == 0, "\(alertmanager.standardOutput)\(alertmanager.standardError)")
        let compose = try CommandRunner.run(
            "/usr/bin/docker-compose", ["-f", Self.root + "/docker-compose.yml", "config", "-q"],
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(compose.status == 0, "\(compose.standardOutput)\(compose.standardError)")
    }
}
