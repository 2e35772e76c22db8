import Foundation
import Testing

/// A small flags file with every strategy the serve tests look at.
let serveFixture = """
    version: "t1"
    flags:
      checkout:
        state: rollout
        default_variant: "off"
        variants: {on: true, off: false}
        rollout: {strategy: percentage, percentage: 30}
        targeting_rules:
          - {name: admins, condition: "user_type == 'admin'", variant: "on", priority: 100}
      colour:
        state: rollout
        default_variant: control
        variants: {control: "grey", blue: "blue", green: "green"}
        rollout:
          strategy: split
          distribution: {control: 50, blue: 30, green: 20}
      banner:
        state: enabled
        default_variant: "off"
        variants: {on: true, off: false}

    """

let serveSettings = """
    synthetic:
      rate: 2000
      population:
        size: 50000
        attributes:
          user_type: {admin: 5, user: 95}
    canaries:
      interval: 1
      checks:
        - name: admins-checkout
          flag: checkout
          context: {user_id: canary-1, user_type: admin}
          expect: "on"

    """

@Suite("serve: routes, drivers and real Prometheus", .serialized)
struct ServeTests {
    func start(_ extra: [String] = [], flags: String = serveFixture, settings: String = serveSettings) throws
        -> (RunningExporter, TemporaryDirectory)
    {
        try RunningExporter.serving(extra, flags: flags, settings: settings)
    }

    @Test("a real Prometheus scrapes it: up == 1 and synthetic evaluations are queryable; promtool is clean")
    func prometheusScrapes() throws {
        let (exporter, directory) = try start()
        defer { exporter.stop() }
        let scrape = try HTTP.request("\(exporter.baseURL)/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        let exposition = try directory.write("scrape.txt", scrape.body)
        let lint = try CommandRunner.run("/bin/sh", ["-c", "promtool check metrics < '\(exposition)'"])
        #expect(lint.status == 0, "promtool: \(lint.standardOutput)\(lint.standardError)")

        let configuration = try directory.write(
            "prometheus.yml",
            """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: featureflag_exporter
                static_configs: [{targets: ["127.0.0.1:\(exporter.port)"]}]

            """)
        let prometheus = try ExternalServer.prometheus(configuration: configuration, directory: directory)
        defer { prometheus.stop() }
        func query(_ promQL: String) throws -> String { try prometheus.query(promQL) }
        let up = RunningExporter.eventually(timeout: 60) {
            (try? query("up{job=\"featureflag_exporter\"} == 1"))?.contains("\"value\":[") ?? false
        }
        #expect(up, "Prometheus never saw up == 1")
        let evaluations = RunningExporter.eventually(timeout: 30) {
            (try? query("feature_flag_evaluations_total{source=\"synthetic\"}"))?.contains("\"flag_key\":\"checkout\"") ?? false
        }
        #expect(evaluations, "no synthetic evaluations in Prometheus")
    }

    @Test("routes: health, ready, landing page, gzip, and lifecycle off by default")
    func routes() throws {
        let (exporter, _) = try start()
        defer { exporter.stop() }
        let health = try HTTP.request("\(exporter.baseURL)/health")
        #expect(health.status == 200)
        #expect(health.body.contains("\"healthy\":true"))
        #expect(health.body.contains("\"cache_size\":3"))
        #expect(try HTTP.request("\(exporter.baseURL)/-/ready").status == 200)
        #expect(try HTTP.request("\(exporter.baseURL)/-/healthy").status == 200)
        #expect(try HTTP.request("\(exporter.baseURL)/").body.contains("featureflag_exporter"))
        let gzip = try HTTP.request("\(exporter.baseURL)/metrics", headers: ["Accept-Encoding: gzip"])
        #expect(gzip.headers.lowercased().contains("content-encoding: gzip"))
        #expect(gzip.header("Vary") == "Accept-Encoding")
        #expect(try HTTP.request("\(exporter.baseURL)/metrics").header("Vary") == "Accept-Encoding")
        // Decompressed, the gzip'd body is an exposition like the plain one (same families, in order).
        let inflated = try HTTP.request("\(exporter.baseURL)/metrics", curlArguments: ["--compressed"])
        #expect(inflated.header("Content-Encoding") == "gzip")
        let families = { (body: String) in body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") } }
        let plain = try HTTP.request("\(exporter.baseURL)/metrics").body
        #expect(inflated.body.hasPrefix("# HELP ") && families(inflated.body) == families(plain))
        #expect(try HTTP.request("\(exporter.baseURL)/-/reload", method: "POST").status == 403)
    }

    @Test("OFREP: single and bulk evaluations with OpenFeature reasons, ETag and 304, counted as mirror")
    func ofrep() throws {
        let (exporter, _) = try start()
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let admin = try probe.single("checkout", #"{"context":{"targetingKey":"u-1","user_type":"admin"}}"#)
        #expect(admin.status == 200)
        #expect(admin.body == #"{"key":"checkout","reason":"TARGETING_MATCH","variant":"on","value":true,"metadata":{"reason":"TARGETING_MATCH","rule":"admins"}}"#)
        let split = try probe.single("colour", #"{"context":{"targetingKey":"u-1"}}"#)
        #expect(split.body.contains("\"reason\":\"SPLIT\""))
        let bulk = try probe.bulk(#"{"context":{"targetingKey":"u-1"}}"#)
        #expect(bulk.status == 200)
        #expect(bulk.body.hasPrefix("{\"flags\":[{\"key\":\"checkout\""))
        let etag = try #require(bulk.header("ETag"))
        let again = try probe.bulk(#"{"context":{"targetingKey":"u-1"}}"#, headers: ["If-None-Match: \(etag)"])
        #expect(again.status == 304)
        exporter.awaitMirrorFlush()
        #expect(try exporter.sample("feature_flag_evaluations_total", ["flag_key=\"checkout\"", "source=\"mirror\"", "reason=\"TARGETING_MATCH\""]) == 1)
        try probe.validate()
    }

    @Test("every documented bad input gets a clear 4xx and the exporter keeps serving")
    func badInput() throws {
        let (exporter, directory) = try start()
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let malformed = try probe.single("checkout", "{\"context\": {")
        #expect(malformed.status == 400)
        #expect(malformed.body.contains("\"errorCode\":\"PARSE_ERROR\""))
        let wrongType = try probe.single("checkout", #"{"context":{"targetingKey":42}}"#)
        #expect(wrongType.status == 400)
        #expect(wrongType.body.contains("\"errorCode\":\"INVALID_CONTEXT\""))
        let notObject = try probe.single("checkout", "[1,2]")
        #expect(notObject.status == 400)
        let unknown = try probe.single("nope", #"{"context":{}}"#)
        #expect(unknown.status == 404)
        #expect(unknown.body.contains("\"errorCode\":\"FLAG_NOT_FOUND\""))
        let huge = directory.path + "/huge.json"
        try Data(repeating: UInt8(ascii: " "), count: 10 * 1024 * 1024).write(to: URL(fileURLWithPath: huge))
        let tooLarge = try probe.single("checkout", nil, curlArguments: ["--data-binary", "@" + huge])
        #expect(tooLarge.status == 413)
        #expect(try HTTP.request("\(exporter.baseURL)/-/healthy").status == 200)
        #expect(try probe.single("checkout", #"{"context":{"targetingKey":"u-1"}}"#).status == 200)
        try probe.validate()
        #expect(try exporter.sample("feature_flag_mirror_dropped_total", ["reason=\"malformed\""]) == 3)
        #expect(try exporter.sample("feature_flag_mirror_dropped_total", ["reason=\"too_large\""]) == 1)
        #expect(try exporter.sample("feature_flag_errors_total", ["flag_key=\"__unknown__\""]) == 1)
    }

    @Test("a canary whose expectation breaks goes to 0 within one interval; a broken config is refused and kept out")
    func canaryAndReload() throws {
        // Not watched, so only POST /-/reload applies the edits below.
        let unwatched = "global:\n  hot_reload_enabled: false\n" + serveFixture
        let (exporter, directory) = try start(["--web.enable-lifecycle"], flags: unwatched)
        defer { exporter.stop() }
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_canary_success", ["canary=\"admins-checkout\""]) == 1
        })
        // A broken file: refused, the config in use stays.
        _ = try directory.write("flags.yaml", unwatched + "  broken: [\n")
        let refused = try HTTP.request("\(exporter.baseURL)/-/reload", method: "POST")
        #expect(refused.status == 500)
        #expect(refused.body.contains("flags.yaml:"))
        #expect(try HTTP.request("\(exporter.baseURL)/-/ready").status == 200)
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"failure\""]) == 1)
        #expect(try exporter.sample("feature_flag_refresh_failure_total", ["error_type=\"parse\""]) == 1)
        // The admins rule goes away: the canary's expectation breaks.
        _ = try directory.write("flags.yaml", unwatched.replacingOccurrences(of: "user_type == 'admin'", with: "user_type == 'nobody'"))
        #expect(try HTTP.request("\(exporter.baseURL)/-/reload", method: "POST").status == 200)
        let reloadedAt = Date()
        #expect(try RunningExporter.eventually(timeout: 1.5) {
            try exporter.sample("feature_flag_canary_success", ["canary=\"admins-checkout\""]) == 0
        })
        #expect(Date().timeIntervalSince(reloadedAt) <= 1.5)
    }

    @Test("a mirrored line with a different variant increments the mismatch counter; rotation and junk are handled")
    func mirrorFeed() throws {
        let directory = try TemporaryDirectory()
        let feed = directory.path + "/decisions.jsonl"
        #expect(FileManager.default.createFile(atPath: feed, contents: Data("{\"flag_key\":\"checkout\"}\n".utf8)))
        let (exporter, _) = try start(["--mirror.file", feed, "--no-synthetic"])
        defer { exporter.stop() }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: feed))
        try handle.seekToEnd()
        // Ours is "on" for an admin; the application said "off": one mismatch. Then an agreeing line and junk.
        try handle.write(contentsOf: Data(#"{"flag_key":"checkout","context":{"user_id":"a","user_type":"admin"},"variant":"off"}"#.utf8 + [10]))
        try handle.write(contentsOf: Data(#"{"flag_key":"checkout","context":{"user_id":"a","user_type":"admin"},"variant":"on"}"#.utf8 + [10]))
        try handle.write(contentsOf: Data("not json\n".utf8))
        try handle.close()
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout\""]) == 1
        })
        #expect(try RunningExporter.eventually(timeout: 3) {
            try exporter.sample("feature_flag_mirror_dropped_total", ["reason=\"malformed\""]) == 1
        })
        // Rotation: a new file under the same name is read from its start.
        try FileManager.default.moveItem(atPath: feed, toPath: feed + ".1")
        try Data(#"{"flag_key":"checkout","context":{"user_id":"b","user_type":"admin"},"variant":"off"}"#.utf8 + [10])
            .write(to: URL(fileURLWithPath: feed))
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout\""]) == 2
        })
        exporter.awaitMirrorFlush()
        #expect(try exporter.sample("feature_flag_evaluations_total", ["source=\"mirror\""]) != nil)
    }

    @Test("the mirror feed follows truncation, and refuses oversized lines and floods, counting each")
    func mirrorFeedLimits() throws {
        let directory = try TemporaryDirectory()
        let feed = directory.path + "/decisions.jsonl"
        #expect(FileManager.default.createFile(atPath: feed, contents: Data()))
        let settings = "mirror:\n  max_line_bytes: 256\n  rate_limit: 5\n"
        let (exporter, _) = try start(["--mirror.file", feed, "--no-synthetic"], settings: settings)
        defer { exporter.stop() }
        let disagreeing = #"{"flag_key":"checkout","context":{"user_id":"a","user_type":"admin"},"variant":"off"}"#

        // Truncation in place (same inode, as copytruncate does): the next line is read from the new start.
        let padding = String(repeating: "x", count: 120)
        try Data((#"{"flag_key":"checkout","context":{"user_id":"\#(padding)"}}"# + "\n").utf8).write(to: URL(fileURLWithPath: feed))
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_evaluations_total", ["source=\"mirror\""]) != nil
        })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: feed))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((disagreeing + "\n").utf8))
        try handle.close()
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout\""]) == 1
        })

        // A line over max_line_bytes is refused whole, and the line after it is still read.
        let appender = try FileHandle(forWritingTo: URL(fileURLWithPath: feed))
        try appender.seekToEnd()
        try appender.write(contentsOf: Data((#"{"flag_key":"checkout","context":{"user_id":"\#(String(repeating: "y", count: 400))"}}"# + "\n").utf8))
        try appender.write(contentsOf: Data((disagreeing + "\n").utf8))
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_mirror_dropped_total", ["reason=\"too_large\""]) == 1
        })
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout\""]) == 2
        })

        // A flood of 60 lines against a limit of 5/s: most are refused as rate_limited, none stall the server.
        try appender.write(contentsOf: Data(String(repeating: disagreeing + "\n", count: 60).utf8))
        try appender.close()
        #expect(try RunningExporter.eventually(timeout: 5) {
            (try exporter.sample("feature_flag_mirror_dropped_total", ["reason=\"rate_limited\""]) ?? 0) >= 40
        })
        let mismatches = try exporter.sample("feature_flag_mirror_mismatch_total", ["flag_key=\"checkout\""]) ?? 0
        #expect(mismatches < 2 + 20)
        #expect(try HTTP.request("\(exporter.baseURL)/-/healthy").status == 200)
    }

    @Test("SIGTERM stops it gracefully with status 0")
    func gracefulShutdown() throws {
        let (exporter, _) = try start()
        #expect(exporter.stop() == 0)
        #expect(exporter.log.contains("msg=stopped"))
    }
}
