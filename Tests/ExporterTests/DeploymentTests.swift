import Foundation
import Testing

/// deploy/: the Kubernetes manifests (a kustomize base and its overlays) and the systemd unit, checked with the tools
/// that will read them: kubectl kustomize, the Kubernetes schemas (kubernetes-validate), promtool and systemd-analyze.
@Suite("Deploying: Kubernetes manifests and the systemd unit")
struct DeploymentTests {
    static let root = CommandRunner.repositoryRoot
    static let kustomizations = ["deploy/kubernetes/base", "deploy/kubernetes/overlays/development", "deploy/kubernetes/overlays/http-redis"]

    /// `kubectl kustomize DIR` as a list of objects (through PyYAML, read as JSON).
    static func render(_ directory: String) throws -> [[String: Any]] {
        let rendered = try CommandRunner.run("/usr/bin/kubectl", ["kustomize", root + "/" + directory])
        guard rendered.status == 0 else { throw TestFailure("kubectl kustomize \(directory): \(rendered.standardError)") }
        let json = try CommandRunner.run(
            try PythonTools.executable("python3"),
            ["-c", "import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))"],
            input: rendered.standardOutput)
        guard json.status == 0 else { throw TestFailure("the rendering of \(directory) is not YAML: \(json.standardError)") }
        return try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]] ?? []
    }

    static func object(_ objects: [[String: Any]], kind: String) throws -> [String: Any] {
        try #require(objects.first { $0["kind"] as? String == kind }, "no \(kind)")
    }

    static func container(_ statefulSet: [String: Any]) -> [String: Any] {
        let template = (statefulSet["spec"] as? [String: Any])?["template"] as? [String: Any]
        return ((template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first ?? [:]
    }

    @Test("the PrometheusRule and the ConfigMaps' files are what scripts/render-kubernetes.py makes of alerts/ and config/")
    func renderedInStep() throws {
        let check = try CommandRunner.run(try PythonTools.executable("python3"), [Self.root + "/scripts/render-kubernetes.py", "--check"])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
    }

    @Test("every kustomization renders, and every core object validates against the Kubernetes 1.32 schemas, strictly",
          arguments: kustomizations)
    func validates(directory: String) throws {
        let rendered = try CommandRunner.run("/usr/bin/kubectl", ["kustomize", Self.root + "/" + directory])
        #expect(rendered.status == 0, "\(rendered.standardError)")
        let scratch = try TemporaryDirectory()
        let file = try scratch.write("rendered.yaml", rendered.standardOutput)
        let validation = try CommandRunner.run(
            try PythonTools.executable("kubernetes-validate"), ["-k", "1.32.0", "--strict", "--no-warn", file])
        #expect(validation.status == 0, "\(validation.standardOutput)\(validation.standardError)")
        let kinds = Set(try Self.render(directory).compactMap { $0["kind"] as? String })
        #expect(kinds == ["ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget", "ServiceMonitor", "PrometheusRule"])
    }

    @Test("the StatefulSet: probes on /-/ready and /-/healthy, non-root, read-only, no escalation, shards as many as replicas",
          arguments: kustomizations)
    func statefulSet(directory: String) throws {
        let objects = try Self.render(directory)
        let statefulSet = try Self.object(objects, kind: "StatefulSet")
        let spec = statefulSet["spec"] as? [String: Any] ?? [:]
        let container = Self.container(statefulSet)
        let arguments = container["args"] as? [String] ?? []
        let replicas = spec["replicas"] as? Int ?? 0
        #expect(arguments.contains("--synthetic.shard=auto/\(replicas)"), "\(arguments)")
        #expect(((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/-/ready")
        #expect(((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/-/healthy")
        let security = container["securityContext"] as? [String: Any] ?? [:]
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)
        #expect((security["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"])
        let podSecurity = ((spec["template"] as? [String: Any])?["spec"] as? [String: Any])?["securityContext"] as? [String: Any]
        #expect(podSecurity?["runAsNonRoot"] as? Bool == true)
        #expect((container["resources"] as? [String: Any])?["limits"] != nil)
        // The pod name reaches --synthetic.shard auto/n; the cache file lies on the one writable volume.
        let environment = container["env"] as? [[String: Any]] ?? []
        #expect(environment.contains { $0["name"] as? String == "POD_NAME" })
        #expect(arguments.contains("--config.cache-file=/var/lib/featureflag_exporter/last-good-config.yaml"))
        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        #expect(mounts.contains { $0["mountPath"] as? String == "/var/lib/featureflag_exporter" && $0["readOnly"] == nil })
        // No secret value inline: every variable that is not the pod name comes from a Secret.
        for variable in environment where variable["name"] as? String != "POD_NAME" {
            #expect(variable["value"] == nil, "\(variable)")
            #expect((variable["valueFrom"] as? [String: Any])?["secretKeyRef"] != nil, "\(variable)")
        }
        // The ServiceMonitor finds the Service, on the port the pods expose.
        let service = try Self.object(objects, kind: "Service")
        let monitor = try Self.object(objects, kind: "ServiceMonitor")
        let serviceLabels = (service["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        let wanted = ((monitor["spec"] as? [String: Any])?["selector"] as? [String: Any])?["matchLabels"] as? [String: String] ?? [:]
        #expect(!wanted.isEmpty && wanted.allSatisfy { serviceLabels[$0.key] == $0.value })
        let monitorPort = (((monitor["spec"] as? [String: Any])?["endpoints"] as? [[String: Any]])?.first)?["port"] as? String
        let ports = (container["ports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(monitorPort != nil && ports.contains(monitorPort!))
        let budget = try Self.object(objects, kind: "PodDisruptionBudget")
        #expect((budget["spec"] as? [String: Any])?["maxUnavailable"] as? Int == 1)
    }

    @Test("the PrometheusRule's rules pass promtool check rules and the alert tests, with the Service's job name")
    func prometheusRule() throws {
        let rule = try Self.object(try Self.render("deploy/kubernetes/base"), kind: "PrometheusRule")
        let scratch = try TemporaryDirectory()
        let specJSON = try JSONSerialization.data(withJSONObject: try #require(rule["spec"]))
        let spec = try CommandRunner.run(
            try PythonTools.executable("python3"),
            ["-c", "import sys, json, yaml; print(yaml.safe_dump(json.load(sys.stdin), sort_keys=False))"],
            input: String(decoding: specJSON, as: UTF8.self))
        let rules = try scratch.write("rules.yml", spec.standardOutput)
        let check = try CommandRunner.run("/usr/bin/promtool", ["check", "rules", rules])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardOutput.contains("SUCCESS: 18 rules found"), "\(check.standardOutput)")
        // The shipped alert tests, the exporter's `up` series named as the operator names its job (the Service's
        // name); a pushed group's job stays what the pusher named it.
        var tests = try String(contentsOfFile: Self.root + "/alerts/tests/featureflag_exporter.test.yml", encoding: .utf8)
            .replacingOccurrences(of: "../featureflag_exporter.rules.yml", with: rules)
            .replacingOccurrences(of: "up{job=\"featureflag_exporter\"", with: "up{job=\"featureflag-exporter\"")
        // The first expected alert is FeatureFlagExporterDown's, whose job label comes from that `up` series.
        let downLabels = try #require(tests.range(of: "{severity: critical, job: featureflag_exporter,"))
        tests.replaceSubrange(downLabels, with: "{severity: critical, job: featureflag-exporter,")
        // FeatureFlagExporterAbsent's labels are absent()'s: the selector's job.
        tests = tests.replacingOccurrences(of: "{severity: critical, job: featureflag_exporter}", with: "{severity: critical, job: featureflag-exporter}")
        let testFile = try scratch.write("tests.yml", tests)
        let run = try CommandRunner.run("/usr/bin/promtool", ["test", "rules", testFile])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(spec.standardOutput.contains(#"up{job="featureflag-exporter"}"#))
    }

    @Test("the systemd unit verifies without a warning, is hardened, and reloads with SIGHUP")
    func systemdUnit() throws {
        let unit = try String(contentsOfFile: Self.root + "/deploy/systemd/featureflag_exporter.service", encoding: .utf8)
        for line in ["DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "StateDirectory=featureflag_exporter",
                     "ExecReload=/bin/kill -HUP $MAINPID", "--config.cache-file=${STATE_DIRECTORY}/last-good-config.yaml"] {
            #expect(unit.contains(line), "\(line)")
        }
        // systemd-analyze checks that ExecStart's program exists: point it at the binary under test.
        let scratch = try TemporaryDirectory()
        let local = try scratch.write(
            "featureflag_exporter.service",
            unit.replacingOccurrences(of: "/usr/local/bin/featureflag_exporter", with: CommandRunner.binary))
        let verify = try CommandRunner.run("/usr/bin/systemd-analyze", ["verify", local])
        #expect(verify.status == 0 && verify.standardError.isEmpty && verify.standardOutput.isEmpty,
                "\(verify.standardOutput)\(verify.standardError)")
        let security = try CommandRunner.run("/usr/bin/systemd-analyze", ["security", "--offline=yes", local])
        let exposure = security.standardOutput.split(separator: "\n").last { $0.contains("Overall exposure level") }
        let level = exposure.flatMap { line in
            line.split(separator: " ").compactMap { Double($0) }.first
        }
        #expect(level != nil && level! <= 2.0, "\(exposure.map(String.init) ?? security.standardOutput)")
    }
}
