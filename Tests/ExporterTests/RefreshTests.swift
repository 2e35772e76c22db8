import Foundation
import Testing

/// The serve fixture under another version.
func flags(version: String, hotReload: Bool = true) -> String {
    (hotReload ? "" : "global:\n  hot_reload_enabled: false\n")
        + serveFixture.replacingOccurrences(of: "version: \"t1\"", with: "version: \"\(version)\"")
}

/// Keeping the config fresh against real stores: nginx (HTTP with ETags), redis-server (pub/sub), moto (SSM).
@Suite("refresh: sources, breaker, staleness, cache, pub/sub", .serialized)
struct RefreshTests {
    static let fastRefresh = ["--refresh.minimum-interval", "0.1"]

    func exporter(
        _ arguments: [String], in directory: TemporaryDirectory, settings: String = serveSettings,
        environment: [String: String] = [:]
    ) throws -> RunningExporter {
        let settingsFile = try directory.write("exporter.yaml", settings)
        return try RunningExporter(
            // These sources are single files with no overlay: production takes the base on purpose.
            ["--exporter.config-file", settingsFile, "--environment", "production", "--config.overlay", "none"]
                + Self.fastRefresh + arguments,
            directory: directory.path, environment: environment)
    }

    /// A label of `feature_flag_config_info`, the config in use.
    static func configInfo(_ label: String, of exporter: RunningExporter) throws -> String? {
        let body = try HTTP.request("\(exporter.baseURL)/metrics").body
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix("feature_flag_config_info{") }),
            let start = line.firstRange(of: "\(label)=\"")
        else { return nil }
        return String(line[start.upperBound...].prefix { $0 != "\"" })
    }

    static func version(_ exporter: RunningExporter) throws -> String? { try configInfo("version", of: exporter) }

    /// The label sets (flag, variant, reason) of the synthetic evaluation series.
    static func syntheticSeries(_ exporter: RunningExporter) throws -> Set<String> {
        let body = try HTTP.request("\(exporter.baseURL)/metrics").body
        return Set(
            body.split(separator: "\n")
                .filter { $0.hasPrefix("feature_flag_evaluations_total{") && $0.contains("source=\"synthetic\"") }
                .map { String($0.prefix { $0 != "}" }) })
    }

    static func checksum(_ exporter: RunningExporter) throws -> String? { try configInfo("checksum", of: exporter) }

    /// A folder for nginx to serve, holding `flags.yaml` with `text`.
    static func site(serving text: String, in directory: TemporaryDirectory) throws -> String {
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try text.write(toFile: site + "/flags.yaml", atomically: true, encoding: .utf8)
        return site
    }

    @Test("HTTP: an edit is live within one interval, 304 is a successful check, the breaker opens, half-opens and closes, and evaluation never stops")
    func httpSourceAndBreaker() throws {
        let directory = try TemporaryDirectory()
        let site = try Self.site(serving: flags(version: "v1"), in: directory)
        let nginx = try ExternalServer.nginx(root: site, directory: directory)
        let settings = serveSettings + "refresh:\n  circuit_breaker:\n    failure_threshold: 3\n    recovery_timeout: 1\n"
        let exporter = try exporter(
            [
                "--config.file", "http://127.0.0.1:\(nginx.port)/flags.yaml", "--refresh.mode", "periodic",
                "--refresh.interval", "2", "--web.enable-lifecycle",
            ], in: directory, settings: settings)
        defer { exporter.stop() }
        #expect(try Self.version(exporter) == "v1")
        #expect(try exporter.sample("feature_flag_config_info", ["source=\"http://127.0.0.1:\(nginx.port)/flags.yaml\""]) == 1)

        // Unchanged: nginx answers 304 to our ETag. Each is a successful check; nothing is reloaded.
        let checksBefore = try exporter.sample("feature_flag_refresh_success_total") ?? 0
        #expect(try RunningExporter.eventually(timeout: 6) {
            (try exporter.sample("feature_flag_refresh_success_total") ?? 0) >= checksBefore + 2
        })
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"success\""]) == 1)

        // An edit is live within one interval (2 s, ±10% jitter).
        try flags(version: "v2").write(toFile: site + "/flags.yaml", atomically: true, encoding: .utf8)
        let edited = Date()
        #expect(try RunningExporter.eventually(timeout: 3) { try Self.version(exporter) == "v2" })
        #expect(Date().timeIntervalSince(edited) < 2.5)
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"success\""]) == 2)

        // The store goes away: connection failures; after 3 the breaker opens (1), then half-opens (2) after the
        // 1 s recovery timeout.
        let evaluationsBefore = try exporter.sample("feature_flag_evaluations_total", ["source=\"synthetic\""]) ?? 0
        let seriesBefore = try Self.syntheticSeries(exporter)
        nginx.stop()
        for _ in 0..<3 {
            let refused = try HTTP.request("\(exporter.baseURL)/-/reload", method: "POST")
            #expect(refused.status == 500)
            #expect(refused.body.contains("connection"))
        }
        #expect(try exporter.sample("feature_flag_circuit_breaker_state") == 1)
        #expect(try exporter.sample("feature_flag_refresh_failure_total", ["error_type=\"connection\""]) ?? 0 >= 3)
        let health = try HTTP.request("\(exporter.baseURL)/health")
        #expect(health.status == 503)
        #expect(health.body.contains("\"circuit_breaker_state\":\"open\""))
        #expect(try RunningExporter.eventually(timeout: 3) {
            try exporter.sample("feature_flag_circuit_breaker_state") == 2
        })
        #expect(try exporter.sample("feature_flag_circuit_breaker_transitions_total", ["to=\"half_open\""]) ?? 0 >= 1)

        // Back: the trial succeeds and the breaker closes.
        try nginx.start()
        #expect(try RunningExporter.eventually(timeout: 8) {
            try exporter.sample("feature_flag_circuit_breaker_state") == 0
        })
        #expect(try exporter.sample("feature_flag_circuit_breaker_transitions_total", ["to=\"closed\""]) ?? 0 >= 1)
        #expect(try Self.version(exporter) == "v2")

        // Evaluation went on throughout, without errors, serving the same variants for the same reasons.
        #expect(try Self.syntheticSeries(exporter) == seriesBefore)
        #expect(try exporter.sample("feature_flag_evaluations_total", ["source=\"synthetic\""]) ?? 0 > evaluationsBefore)
        #expect(try exporter.sample("feature_flag_evaluations_total", ["reason=\"EVALUATION_ERROR\""]) == nil)
        // The error counters exist from the start, at 0; none moved.
        let errorSamples = try HTTP.request("\(exporter.baseURL)/metrics").body.split(separator: "\n")
            .filter { $0.hasPrefix("feature_flag_errors_total{") }
        #expect(!errorSamples.isEmpty)
        #expect(errorSamples.allSatisfy { $0.hasSuffix(" 0") }, "\(errorSamples)")
    }

    @Test("HTTP headers take their secrets from the environment, which never reach the log; a missing one is named")
    func httpCredentials() throws {
        let directory = try TemporaryDirectory()
        let site = try Self.site(serving: flags(version: "secret-v1"), in: directory)
        let nginx = try ExternalServer.nginx(
            root: site, directory: directory,
            serverDirectives: #"location / { if ($http_authorization != "Bearer s3cret-token") { return 401; } }"#)
        let settings = serveSettings + "source:\n  headers:\n    - {name: Authorization, value_from_env: FLAGS_TOKEN}\n"
        let arguments = ["--config.file", "http://127.0.0.1:\(nginx.port)/flags.yaml", "--refresh.mode", "none"]
        let authorised = try exporter(
            arguments, in: directory, settings: settings, environment: ["FLAGS_TOKEN": "Bearer s3cret-token"])
        #expect(try Self.version(authorised) == "secret-v1")
        #expect(authorised.stop() == 0)
        #expect(!authorised.log.contains("s3cret"))

        let wrong = try exporter(arguments, in: directory, settings: settings, environment: ["FLAGS_TOKEN": "Bearer nope"])
        #expect(try HTTP.request("\(wrong.baseURL)/-/ready").status == 503)
        #expect(try HTTP.request("\(wrong.baseURL)/health").body.contains("HTTP 401"))
        #expect(try wrong.sample("feature_flag_refresh_failure_total", ["error_type=\"http_status\""]) ?? 0 >= 1)
        #expect(wrong.stop() == 0)

        let missing = try exporter(arguments, in: directory, settings: settings)
        defer { missing.stop() }
        #expect(try HTTP.request("\(missing.baseURL)/health").body.contains("environment variable FLAGS_TOKEN is not set"))
    }

    @Test("HTTPS: verified against source.ca_file; without it the self-signed server is refused as a connection error")
    func httpsCAFile() throws {
        let directory = try TemporaryDirectory()
        let site = try Self.site(serving: flags(version: "tls-v1"), in: directory)
        let tls = try selfSignedCertificate(in: directory)
        let nginx = try ExternalServer.nginx(root: site, directory: directory, tls: tls)
        let arguments = ["--config.file", "https://127.0.0.1:\(nginx.port)/flags.yaml", "--refresh.mode", "none"]
        let trusted = try exporter(arguments, in: directory, settings: serveSettings + "source:\n  ca_file: \(tls.certificate)\n")
        #expect(try Self.version(trusted) == "tls-v1")
        #expect(trusted.stop() == 0)

        let untrusted = try exporter(arguments, in: directory)
        defer { untrusted.stop() }
        #expect(try HTTP.request("\(untrusted.baseURL)/-/ready").status == 503)
        #expect(try untrusted.sample("feature_flag_refresh_failure_total", ["error_type=\"connection\""]) ?? 0 >= 1)
        #expect(try HTTP.request("\(untrusted.baseURL)/health").body.contains("certificate"))
    }

    @Test("a broken and then an invalid file are refused: reload failures grow, config_info stays, /health names the error")
    func refusedContent() throws {
        let directory = try TemporaryDirectory()
        let site = try Self.site(serving: flags(version: "v1"), in: directory)
        let nginx = try ExternalServer.nginx(root: site, directory: directory)
        let exporter = try exporter(
            ["--config.file", "http://127.0.0.1:\(nginx.port)/flags.yaml", "--refresh.mode", "periodic", "--refresh.interval", "0.5"],
            in: directory)
        defer { exporter.stop() }
        let checksum = try Self.checksum(exporter)
        #expect(checksum != nil)

        try (flags(version: "broken") + "  oops: [\n").write(toFile: site + "/flags.yaml", atomically: true, encoding: .utf8)
        #expect(try RunningExporter.eventually(timeout: 4) {
            try exporter.sample("feature_flag_refresh_failure_total", ["error_type=\"parse\""]) ?? 0 >= 1
        })
        let afterBroken = try exporter.sample("feature_flag_config_reloads_total", ["status=\"failure\""]) ?? 0
        #expect(afterBroken >= 1)
        #expect(try HTTP.request("\(exporter.baseURL)/health").body.contains("\"last_error\":\"http://127.0.0.1:\(nginx.port)/flags.yaml:"))

        let invalid = flags(version: "invalid").replacingOccurrences(of: "percentage: 30", with: "percentage: 130")
        try invalid.write(toFile: site + "/flags.yaml", atomically: true, encoding: .utf8)
        #expect(try RunningExporter.eventually(timeout: 4) {
            try exporter.sample("feature_flag_refresh_failure_total", ["error_type=\"validation\""]) ?? 0 >= 1
        })
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"failure\""]) ?? 0 > afterBroken)
        #expect(try Self.checksum(exporter) == checksum)
        #expect(try Self.version(exporter) == "v1")
        let health = try HTTP.request("\(exporter.baseURL)/health").body
        #expect(health.contains("130 is not in 0...100"))
        // Evaluation goes on with the config in use.
        #expect(try HTTP.request("\(exporter.baseURL)/-/ready").status == 200)
    }

    @Test("stale past the threshold with the store down; a restart serves the cache; with neither, not ready until the store answers")
    func staleCacheAndStartup() throws {
        let directory = try TemporaryDirectory()
        let site = try Self.site(serving: flags(version: "cached"), in: directory)
        let nginx = try ExternalServer.nginx(root: site, directory: directory)
        let cacheFile = directory.path + "/cache/flags.yaml"
        try FileManager.default.createDirectory(atPath: directory.path + "/cache", withIntermediateDirectories: true)
        let arguments = [
            "--config.file", "http://127.0.0.1:\(nginx.port)/flags.yaml", "--refresh.mode", "periodic",
            "--refresh.interval", "0.5", "--config.stale-threshold", "1", "--config.cache-file", cacheFile,
        ]
        let first = try exporter(arguments, in: directory)
        #expect(try HTTP.request("\(first.baseURL)/health").status == 200)
        #expect(try String(contentsOfFile: cacheFile, encoding: .utf8).contains("version: \"cached\""))

        nginx.stop()
        #expect(try RunningExporter.eventually(timeout: 4) { try first.sample("feature_flag_stale_config") == 1 })
        let stale = try HTTP.request("\(first.baseURL)/health")
        #expect(stale.status == 503)
        #expect(stale.body.contains("\"config_stale\":true"))
        #expect(first.stop() == 0)

        // A restart while the store is down serves the cache, marked stale.
        let second = try exporter(arguments, in: directory)
        #expect(try HTTP.request("\(second.baseURL)/-/ready").status == 200)
        #expect(try Self.version(second) == "cached")
        let health = try HTTP.request("\(second.baseURL)/health")
        #expect(health.status == 503)
        #expect(health.body.contains("\"serving_cache\":true"))
        #expect(try second.sample("feature_flag_stale_config") == 1)
        #expect(second.log.contains("serving the cached config"))
        #expect(second.stop() == 0)

        // No cache and no store: not ready, and it keeps trying until the store answers.
        try FileManager.default.removeItem(atPath: cacheFile)
        let third = try exporter(Array(arguments.dropLast(2)), in: directory)
        defer { third.stop() }
        #expect(try HTTP.request("\(third.baseURL)/-/ready").status == 503)
        try nginx.start()
        #expect(try RunningExporter.eventually(timeout: 6) { try HTTP.request("\(third.baseURL)/-/ready").status == 200 })
        #expect(try Self.version(third) == "cached")
    }

    @Test("a local file is watched: an atomic replace is live at once")
    func fileWatch() throws {
        let directory = try TemporaryDirectory()
        let flagsFile = try directory.write("flags.yaml", flags(version: "w1"))
        let exporter = try exporter(["--config.file", flagsFile, "--refresh.mode", "none"], in: directory)
        defer { exporter.stop() }
        #expect(try Self.version(exporter) == "w1")
        _ = try directory.write("flags.yaml", flags(version: "w2"))  // written to a temporary file, renamed over
        #expect(try RunningExporter.eventually(timeout: 2) { try Self.version(exporter) == "w2" })
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"success\""]) == 2)
    }

    @Test("Redis pub/sub: a PUBLISH makes the new config live; killing and restarting redis-server is survived")
    func redisPubSub() throws {
        let directory = try TemporaryDirectory()
        let redis = try ExternalServer.redis(directory: directory)
        let flagsFile = try directory.write("flags.yaml", flags(version: "r1", hotReload: false))
        let exporter = try exporter(
            ["--config.file", flagsFile, "--refresh.mode", "pubsub"], in: directory,
            environment: ["REDIS_URL": "redis://127.0.0.1:\(redis.port)/0"])
        defer { exporter.stop() }
        #expect(try RunningExporter.eventually(timeout: 5) { try exporter.sample("feature_flag_pubsub_connected") == 1 })

        _ = try directory.write("flags.yaml", flags(version: "r2", hotReload: false))
        #expect(try redisPublish(port: redis.port, channel: "feature_flags:config-changed") == 1)
        #expect(try RunningExporter.eventually(timeout: 2) { try Self.version(exporter) == "r2" })
        #expect(try exporter.sample("feature_flag_pubsub_messages_total") == 1)

        redis.kill9()
        #expect(try RunningExporter.eventually(timeout: 5) { try exporter.sample("feature_flag_pubsub_connected") == 0 })
        try redis.start()
        #expect(try RunningExporter.eventually(timeout: 10) { try exporter.sample("feature_flag_pubsub_connected") == 1 })
        #expect(try exporter.sample("feature_flag_pubsub_reconnects_total") ?? 0 >= 1)
        #expect(exporter.log.contains("redis subscription lost; reconnecting"))

        _ = try directory.write("flags.yaml", flags(version: "r3", hotReload: false))
        #expect(try redisPublish(port: redis.port, channel: "feature_flags:config-changed") == 1)
        #expect(try RunningExporter.eventually(timeout: 2) { try Self.version(exporter) == "r3" })
    }

    @Test("SSM against moto: a put-parameter followed by a PUBLISH makes the new config live")
    func ssmSource() throws {
        let directory = try TemporaryDirectory()
        let moto = try ExternalServer.moto(directory: directory)
        let redis = try ExternalServer.redis(directory: directory)
        let endpoint = "http://127.0.0.1:\(moto.port)"
        try PythonTools.putParameter(endpoint: endpoint, name: "/ffe/flags", value: flags(version: "s1"))
        let exporter = try exporter(
            ["--config.file", "ssm:///ffe/flags?region=us-east-1", "--refresh.mode", "pubsub"], in: directory,
            environment: [
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ENDPOINT_URL": endpoint,
                "REDIS_URL": "redis://127.0.0.1:\(redis.port)",
            ])
        defer { exporter.stop() }
        #expect(try Self.version(exporter) == "s1")
        #expect(try RunningExporter.eventually(timeout: 5) { try exporter.sample("feature_flag_pubsub_connected") == 1 })

        try PythonTools.putParameter(endpoint: endpoint, name: "/ffe/flags", value: flags(version: "s2"))
        #expect(try redisPublish(port: redis.port, channel: "feature_flags:config-changed") == 1)
        #expect(try RunningExporter.eventually(timeout: 3) { try Self.version(exporter) == "s2" })
        // The secret never reaches the log.
        #expect(!exporter.log.contains("testing:testing"))
    }
}
