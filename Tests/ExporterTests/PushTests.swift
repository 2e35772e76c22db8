import Foundation
import Testing

/// `featureflag_exporter push` and `serve --push.gateway-url` against Debian's prometheus-pushgateway.
@Suite("Pushgateway", .serialized)
struct PushTests {
    static let flags = "config/feature_flags.yaml"

    /// The gateway's exposition.
    static func gatewayMetrics(_ gateway: ExternalServer) throws -> String {
        try HTTP.request("http://127.0.0.1:\(gateway.port)/metrics").body
    }

    /// The sample lines of `metric` in `exposition` that carry every one of `labels`.
    static func samples(_ metric: String, in exposition: String, with labels: [String] = []) -> [Substring] {
        exposition.split(separator: "\n").filter { line in
            (line.hasPrefix(metric + "{") || line.hasPrefix(metric + " ")) && labels.allSatisfy { line.contains($0) }
        }
    }

    static func push(_ arguments: [String], environment: [String: String] = [:]) throws -> (CommandRunner.Output, Double) {
        let started = Date()
        let output = try CommandRunner.exporter(
            ["push", "--config.file", flags] + arguments, environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 })
        return (output, Date().timeIntervalSince(started))
    }

    @Test("push lands our families with their types, the grouping labels (a/b and empty too) and a fresh push_time_seconds")
    func pushLands() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        let (output, _) = try Self.push([
            "--users", "5000", "--gateway.url", "http://127.0.0.1:\(gateway.port)", "--job", "flag-ci",
            "--grouping", "stage=release", "--grouping", "path=a/b", "--grouping", "empty=",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("5000 synthetic users"))
        let metrics = try Self.gatewayMetrics(gateway)
        for (family, type) in [
            ("feature_flag_evaluations_total", "counter"), ("feature_flag_evaluation_duration_seconds", "histogram"),
            ("feature_flag_config_info", "gauge"), ("feature_flag_rollout_percentage", "gauge"),
            ("feature_flag_refresh_success_total", "counter"),
        ] {
            #expect(metrics.contains("# TYPE \(family) \(type)\n"), "\(family) is not a \(type) on the gateway")
        }
        let group = [#"job="flag-ci""#, #"stage="release""#, #"path="a/b""#, #"empty="""#]
        let evaluations = Self.samples("feature_flag_evaluations_total", in: metrics, with: group + [#"source="synthetic""#])
        #expect(!evaluations.isEmpty, "no synthetic evaluations in the group")
        let total = evaluations.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(total == 5000 * 20, "5000 users x 20 flags, got \(total)")
        let pushTime = Self.samples("push_time_seconds", in: metrics, with: group).first
        let pushed = pushTime.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        #expect(abs(pushed - Date().timeIntervalSince1970) < 60, "push_time_seconds \(pushed) is not fresh")
        #expect(Self.samples("push_failure_time_seconds", in: metrics, with: group).first?.hasSuffix(" 0") == true)

        // gzip bodies are taken too.
        let (zipped, _) = try Self.push([
            "--gateway.url", "http://127.0.0.1:\(gateway.port)", "--job", "zipped", "--gateway.gzip",
        ])
        #expect(zipped.status == 0, "\(zipped.standardError)")
        #expect(!Self.samples("feature_flag_config_info", in: try Self.gatewayMetrics(gateway), with: [#"job="zipped""#]).isEmpty)
    }

    @Test("PUT replaces the whole group, POST only the families pushed, DELETE removes the group")
    func putPostDelete() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        let url = "http://127.0.0.1:\(gateway.port)"
        let groupURL = url + "/metrics/job/semantics/instance/host-1"
        let group = ["--gateway.url", url, "--job", "semantics", "--grouping", "instance=host-1"]
        func batchMetricPresent() throws -> Bool {
            !Self.samples("batch_extra", in: try Self.gatewayMetrics(gateway), with: [#"job="semantics""#]).isEmpty
        }
        func ourMetricsPresent() throws -> Bool {
            !Self.samples("feature_flag_config_info", in: try Self.gatewayMetrics(gateway), with: [#"job="semantics""#]).isEmpty
        }
        let extra = "# HELP batch_extra Another family of the group.\n# TYPE batch_extra gauge\nbatch_extra 7\n"
        #expect(try HTTP.request(groupURL, method: "PUT", body: extra).status == 200)

        let (post, _) = try Self.push(group + ["--method", "post"])
        #expect(post.status == 0, "\(post.standardError)")
        #expect(try batchMetricPresent(), "POST must keep the other families of the group")
        #expect(try ourMetricsPresent())

        let (put, _) = try Self.push(group)
        #expect(put.status == 0, "\(put.standardError)")
        #expect(try !batchMetricPresent(), "PUT must replace the whole group")
        #expect(try ourMetricsPresent())

        let (delete, _) = try Self.push(group + ["--delete"])
        #expect(delete.status == 0, "\(delete.standardError)")
        #expect(delete.standardOutput.contains("deleted group"))
        #expect(try !ourMetricsPresent(), "DELETE must remove the group")
        #expect(!(try Self.gatewayMetrics(gateway)).contains(#"job="semantics""#))
    }

    @Test("a stopped gateway: push exits 2 after its retries, within the budget, naming the URL without credentials")
    func gatewayDown() throws {
        let port = try freePort()
        let (output, seconds) = try Self.push(["--gateway.url", "http://ci:hunter2@127.0.0.1:\(port)", "--users", "10"])
        #expect(output.status == 2)
        #expect(output.standardError.contains("unreachable"))
        #expect(output.standardError.contains("http://127.0.0.1:\(port)/metrics/job/featureflag_exporter"))
        #expect(output.standardError.contains("gave up after 4 attempts"))
        #expect(!output.standardError.contains("hunter2") && !output.standardOutput.contains("hunter2"))
        // Waits of 0.5, 1 and 2 s, each within ±20%: between 2.8 and 4.2 s, plus the process's own start.
        #expect(seconds >= 2.8 && seconds < 4.2 + 3, "took \(seconds) s")
    }

    @Test("a 400 is not retried and the gateway's reason is shown; a 503 is retried")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        // Another group declares one of our counters a gauge: the gateway refuses our push as inconsistent.
        let conflicting = """
            # HELP feature_flag_config_reloads_total Not ours.
            # TYPE feature_flag_config_reloads_total gauge
            feature_flag_config_reloads_total 1

            """
        #expect(try HTTP.request("http://127.0.0.1:\(gateway.port)/metrics/job/other", method: "PUT", body: conflicting).status == 200)
        let (refused, seconds) = try Self.push(["--gateway.url", "http://127.0.0.1:\(gateway.port)"])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("refused"))
        #expect(refused.standardError.contains("HTTP 400"))
        // The gateway names the clash from whichever side it checks first (Go map order): "is not a GAUGE" for our
        // push or "is not a COUNTER" for the other group's metric. Either way it names the metric.
        #expect(refused.standardError.contains("inconsistent with existing metrics"), "\(refused.standardError)")
        #expect(refused.standardError.contains("feature_flag_config_reloads_total"), "\(refused.standardError)")
        #expect(
            refused.standardError.contains("is not a GAUGE") || refused.standardError.contains("is not a COUNTER"),
            "\(refused.standardError)")
        #expect(refused.standardError.contains("(not retried)"))
        #expect(seconds < 2, "a 400 must not wait for retries (\(seconds) s)")

        // Attempts counted by a real server's access log: one for a 4xx, 1 + 3 retries for a 5xx.
        let logPath = directory.path + "/access.log"
        let nginx = try ExternalServer.nginx(
            root: directory.path, directory: directory,
            serverDirectives: """
                access_log \(logPath);
                location /metrics/job/bad { return 400 "no such thing\\n"; }
                location /metrics/job/busy { return 503 "busy\\n"; }
                """)
        defer { nginx.stop() }
        func requests() -> Int {
            ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let (bad, _) = try Self.push(["--gateway.url", "http://127.0.0.1:\(nginx.port)", "--job", "bad"])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("HTTP 400: no such thing"))
        #expect(requests() == 1)
        let (busy, _) = try Self.push([
            "--gateway.url", "http://127.0.0.1:\(nginx.port)", "--job", "busy", "--gateway.retries", "2",
        ])
        #expect(busy.status == 2)
        #expect(busy.standardError.contains("HTTP 503: busy"))
        #expect(busy.standardError.contains("gave up after 3 attempts"))
        #expect(requests() == 4)
    }

    @Test("basic auth and bearer tokens from files and variables reach the gateway and never the output")
    func credentials() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        // nginx in front of the gateway checks the credentials, as a reverse proxy would.
        let users = try directory.write("users", "ci:{PLAIN}s3cret-pass\n")
        let nginx = try ExternalServer.nginx(
            root: directory.path, directory: directory,
            serverDirectives: """
                location /basic/ { auth_basic "push"; auth_basic_user_file \(users); proxy_pass http://127.0.0.1:\(gateway.port)/; }
                location /bearer/ {
                    if ($http_authorization != "Bearer t0ken-value") { return 401 "bad token\\n"; }
                    proxy_pass http://127.0.0.1:\(gateway.port)/;
                }
                """)
        defer { nginx.stop() }
        let base = "http://127.0.0.1:\(nginx.port)"
        let passwordFile = try directory.write("password", "s3cret-pass\n")

        let (anonymous, _) = try Self.push(["--gateway.url", base + "/basic", "--job", "auth"])
        #expect(anonymous.status == 2)
        #expect(anonymous.standardError.contains("HTTP 401"))
        let (basic, _) = try Self.push([
            "--gateway.url", base + "/basic", "--job", "basic", "--gateway.username", "ci", "--gateway.password-file",
            passwordFile,
        ])
        #expect(basic.status == 0, "\(basic.standardError)")
        let (bearer, _) = try Self.push(
            ["--gateway.url", base + "/bearer", "--job", "bearer", "--gateway.bearer-token-env", "PUSH_TOKEN"],
            environment: ["PUSH_TOKEN": "t0ken-value"])
        #expect(bearer.status == 0, "\(bearer.standardError)")
        let (wrongToken, _) = try Self.push(
            ["--gateway.url", base + "/bearer", "--job", "bearer", "--gateway.bearer-token-env", "PUSH_TOKEN"],
            environment: ["PUSH_TOKEN": "wrong-value"])
        #expect(wrongToken.status == 2)
        let (missing, _) = try Self.push([
            "--gateway.url", base + "/bearer", "--gateway.bearer-token-env", "NOT_SET_ANYWHERE",
        ])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("NOT_SET_ANYWHERE is not set"))
        for output in [anonymous, basic, bearer, wrongToken, missing] {
            let text = output.standardOutput + output.standardError
            #expect(!text.contains("s3cret-pass") && !text.contains("t0ken-value") && !text.contains("wrong-value"))
        }
        let metrics = try Self.gatewayMetrics(gateway)
        #expect(!Self.samples("feature_flag_config_info", in: metrics, with: [#"job="basic""#]).isEmpty)
        #expect(!Self.samples("feature_flag_config_info", in: metrics, with: [#"job="bearer""#]).isEmpty)
    }

    @Test("bad input exits 1 before anything is sent: config errors, grouping, URL, a missing mirror file")
    func badInput() throws {
        let directory = try TemporaryDirectory()
        let broken = try directory.write("broken.yaml", "flags:\n  x: {state: sideways}\n")
        let url = "http://127.0.0.1:\(try freePort())"
        let cases: [([String], String)] = [
            (["--gateway.url", url, "--config.file", broken], "broken.yaml:2:"),
            (["--gateway.url", url, "--grouping", "1bad=x"], "not a valid label name"),
            (["--gateway.url", url, "--grouping", "job=x"], "job is set by --job"),
            (["--gateway.url", "ftp://127.0.0.1"], "must start with http://"),
            (["--gateway.url", url, "--mirror.file", directory.path + "/none.jsonl"], "cannot open the mirror file"),
            ([], "no Pushgateway"),
        ]
        for (arguments, message) in cases {
            let output = try CommandRunner.exporter(["push"] + arguments)
            #expect(output.status == 1, "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(message), "\(arguments): \(output.standardError)")
        }
    }

    @Test("a mirror file replayed once: every line evaluated, mismatches counted, under the mirror source")
    func mirrorReplay() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        var lines = ""
        for index in 0..<300 {
            lines += #"{"flag_key":"phase1_config_externalization","context":{"user_id":"u-\#(index)"},"variant":"off"}"# + "\n"
        }
        lines += "not json\n"
        lines += #"{"flag_key":"no_such_flag","context":{}}"#  // the last line has no newline
        let feed = try directory.write("decisions.jsonl", lines)
        let (output, _) = try Self.push([
            "--gateway.url", "http://127.0.0.1:\(gateway.port)", "--job", "replay", "--mirror.file", feed,
        ])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("302 mirrored lines"))
        let metrics = try Self.gatewayMetrics(gateway)
        let group = [#"job="replay""#, #"source="mirror""#]
        let evaluated = Self.samples("feature_flag_evaluations_total", in: metrics, with: group + [#"flag_key="phase1_config_externalization""#])
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(evaluated == 300)
        #expect(!Self.samples("feature_flag_mirror_dropped_total", in: metrics, with: [#"reason="malformed""#, " 1"]).isEmpty)
        #expect(!Self.samples("feature_flag_evaluations_total", in: metrics, with: [#"flag_key="__unknown__""#]).isEmpty)
    }

    @Test("serve pushes every interval; with the gateway down it counts connection failures and scraping goes on")
    func servePushes() throws {
        let directory = try TemporaryDirectory()
        let gatewayPort = try freePort()
        var gateway: ExternalServer? = try ExternalServer.pushgateway(directory: directory, port: gatewayPort)
        defer { gateway?.stop() }
        let exporter = try RunningExporter(
            [
                "--config.file", Self.flags, "--push.gateway-url", "http://127.0.0.1:\(gatewayPort)", "--push.interval", "1",
                "--push.grouping", "instance=replica-a", "--push.delete-on-shutdown",
            ], directory: directory.path)
        defer { exporter.stop() }
        let pushed = try RunningExporter.eventually(timeout: 20) {
            (try exporter.sample("feature_flag_push_success_total") ?? 0) >= 2
        }
        #expect(pushed, "no pushes counted:\n\(exporter.log)")
        let onGateway = try Self.gatewayMetrics(gateway!)
        #expect(!Self.samples("feature_flag_evaluations_total", in: onGateway, with: [#"instance="replica-a""#]).isEmpty)
        #expect((try exporter.sample("feature_flag_last_push_timestamp_seconds") ?? 0) > Date().timeIntervalSince1970 - 60)

        gateway!.stop()
        gateway = nil
        let failing = try RunningExporter.eventually(timeout: 30) {
            (try exporter.sample("feature_flag_push_failure_total", [#"error_type="connection""#]) ?? 0) >= 1
        }
        #expect(failing, "no connection failures counted:\n\(exporter.log)")
        let before = try exporter.sample("feature_flag_evaluations_total", [#"source="synthetic""#]) ?? 0
        for _ in 0..<10 {
            #expect(try HTTP.request("\(exporter.baseURL)/metrics").status == 200)
        }
        let grew = try RunningExporter.eventually(timeout: 10) {
            (try exporter.sample("feature_flag_evaluations_total", [#"source="synthetic""#]) ?? 0) > before
        }
        #expect(grew, "synthetic evaluation stopped while pushes failed")
        #expect(exporter.log.contains("push to the Pushgateway failed"))

        // Back up: pushes resume; on shutdown the group is deleted.
        gateway = try ExternalServer.pushgateway(directory: directory, port: gatewayPort)
        let resumed = try RunningExporter.eventually(timeout: 30) {
            !Self.samples("feature_flag_config_info", in: try Self.gatewayMetrics(gateway!), with: [#"instance="replica-a""#]).isEmpty
        }
        #expect(resumed, "pushes did not resume:\n\(exporter.log)")
        #expect(exporter.stop() == 0)
        #expect(!(try Self.gatewayMetrics(gateway!)).contains(#"instance="replica-a""#), "the group outlived the exporter")
    }

    @Test("a Prometheus scraping the gateway with honor_labels: true sees the pushed series under the pushed job")
    func prometheusThroughGateway() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        let (output, _) = try Self.push([
            "--gateway.url", "http://127.0.0.1:\(gateway.port)", "--job", "nightly-simulation", "--users", "1000",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let configuration = try directory.write(
            "prometheus.yml",
            """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: pushgateway
                honor_labels: true
                static_configs: [{targets: ["127.0.0.1:\(gateway.port)"]}]

            """)
        let prometheus = try ExternalServer.prometheus(configuration: configuration, directory: directory)
        defer { prometheus.stop() }
        let seen = RunningExporter.eventually(timeout: 60) {
            let answer = (try? prometheus.query(#"sum(feature_flag_evaluations_total{job="nightly-simulation",source="synthetic"})"#)) ?? ""
            return answer.contains("\"20000\"")
        }
        #expect(seen, "Prometheus did not see the pushed evaluations under job=nightly-simulation")
        let age = try prometheus.query(#"time() - push_time_seconds{job="nightly-simulation"} < 300"#)
        #expect(age.contains("\"value\":["), "push_time_seconds is not queryable: \(age)")
    }
}
