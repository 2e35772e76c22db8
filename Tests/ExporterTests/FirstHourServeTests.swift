import Foundation
import Testing

/// What a new user meets in the first hour of `serve`: signals, series that exist before their first increment,
/// the application's own decisions in the mirror, and errors that name the thing and the fix.
@Suite("serve: the first hour", .serialized)
struct FirstHourServeTests {
    @Test("SIGHUP reloads the config like /-/reload, logged and counted, and the exporter keeps running")
    func hangupReloads() throws {
        let unwatched = "global:\n  hot_reload_enabled: false\n" + serveFixture
        let (exporter, directory) = try RunningExporter.serving(["--no-synthetic"], flags: unwatched)
        defer { exporter.stop() }
        #expect(try exporter.sample("feature_flag_config_info", ["version=\"t1\""]) == 1)
        _ = try directory.write("flags.yaml", unwatched.replacingOccurrences(of: "version: \"t1\"", with: "version: \"t2\""))
        kill(exporter.process.processIdentifier, SIGHUP)
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_config_info", ["version=\"t2\""]) == 1
        })
        #expect(exporter.process.isRunning)
        #expect(exporter.log.contains("msg=\"SIGHUP: reloading the config\""))
        #expect(exporter.log.contains("trigger=sighup"))
        #expect(try exporter.sample("feature_flag_config_reloads_total", ["status=\"success\""]) == 2)
        #expect(exporter.stop() == 0)
    }

    @Test("error, rollout and mismatch counters exist at 0 before their first increment; canary and mirror are timed")
    func seriesStartAtZero() throws {
        let directory = try TemporaryDirectory()
        let feed = try directory.write("decisions.jsonl", "")
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic", "--mirror.file", feed])
        defer { exporter.stop() }
        let body = try HTTP.request("\(exporter.baseURL)/metrics").body
        for series in [
            #"feature_flag_errors_total{flag_key="checkout",error_type="type_mismatch",source="mirror"} 0"#,
            #"feature_flag_errors_total{flag_key="checkout",error_type="type_mismatch",source="synthetic"} 0"#,
            #"feature_flag_mirror_mismatch_total{flag_key="colour"} 0"#,
            #"feature_flag_rollout_evaluations_total{flag_key="checkout",outcome="out",source="mirror"} 0"#,
        ] {
            #expect(body.contains(series), "missing \(series)")
        }
        // The canary runs every second; every one of its evaluations is timed.
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_evaluation_duration_seconds_count", ["source=\"canary\""]) ?? 0 >= 1
        })
        var lines = ""
        for index in 0..<600 { lines += #"{"flag_key":"checkout","context":{"user_id":"u-\#(index)"}}"# + "\n" }
        try lines.write(toFile: feed, atomically: false, encoding: .utf8)
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_evaluation_duration_seconds_count", ["source=\"mirror\""]) ?? 0 >= 2
        })
    }

    @Test("mirrored SRM and realised shares come from the variants the application reports, beside ours")
    func mirroredSRMIsTheApplications() throws {
        let directory = try TemporaryDirectory()
        let feed = try directory.write("decisions.jsonl", "")
        let settings = serveSettings + "mirror:\n  rate_limit: 100000\n"
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic", "--mirror.file", feed], settings: settings)
        defer { exporter.stop() }
        // 6,000 users the split spreads 50/30/20; the application claims control for every one of them.
        var lines = ""
        for index in 0..<6000 {
            lines += #"{"flag_key":"colour","context":{"user_id":"user-\#(index)"},"variant":"control"}"# + "\n"
        }
        try lines.write(toFile: feed, atomically: false, encoding: .utf8)
        #expect(try RunningExporter.eventually(timeout: 10) {
            try exporter.sample(
                "feature_flag_evaluations_total", ["flag_key=\"colour\"", "variant=\"control\"", "source=\"mirror_observed\""])
                == 6000
        })
        let observed = try #require(
            try exporter.sample("feature_flag_split_srm_p_value", ["flag_key=\"colour\"", "source=\"mirror_observed\""]))
        let ours = try #require(try exporter.sample("feature_flag_split_srm_p_value", ["flag_key=\"colour\"", "source=\"mirror\""]))
        #expect(observed < 1e-6, "the application's all-control assignment must show as a sample-ratio mismatch")
        #expect(ours > 0.001, "our own evaluation of the same users follows the configured weights")
        #expect(try exporter.sample(
            "feature_flag_evaluations_total", ["flag_key=\"colour\"", "variant=\"blue\"", "source=\"mirror_observed\""]) == nil)
    }

    @Test("a 200 MB mirror line is skipped at disk speed: the valid line after it is evaluated at once")
    func hugeMirrorLine() throws {
        let directory = try TemporaryDirectory()
        let feed = try directory.write("decisions.jsonl", "")
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic", "--mirror.file", feed])
        defer { exporter.stop() }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: feed))
        let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<200 { try handle.write(contentsOf: block) }
        try handle.write(contentsOf: Data("\n".utf8))
        try handle.write(contentsOf: Data((#"{"flag_key":"checkout","context":{"user_id":"after-the-flood"}}"# + "\n").utf8))
        try handle.close()
        // Before, the skip paused a poll interval per 4 MB read (10 s here); now it runs at disk speed.
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_mirror_dropped_total", ["reason=\"too_large\""]) == 1
                && exporter.sample("feature_flag_evaluations_total", ["flag_key=\"checkout\"", "source=\"mirror\""]) == 1
        })
        try FileManager.default.removeItem(atPath: feed)
    }

    @Test("a second exporter on a busy port says which address and what to do, before loading anything")
    func busyPort() throws {
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic"])
        defer { exporter.stop() }
        let second = try CommandRunner.exporter([
            "serve", "--config.file", "/nonexistent/flags.yaml", "--web.listen-address", "127.0.0.1:\(exporter.port)",
        ])
        #expect(second.status == 1)
        #expect(second.standardError == "featureflag_exporter: cannot listen on 127.0.0.1:\(exporter.port): Address already in use; "
            + "another process (perhaps another exporter) is listening there; stop it or choose another --web.listen-address\n")
    }

    @Test("a cache file or mirror file in a folder that does not exist is refused at start, naming it")
    func missingFolders() throws {
        for (option, what) in [("--config.cache-file", "the cache file"), ("--mirror.file", "the mirror file")] {
            let output = try CommandRunner.exporter([
                "serve", "--web.listen-address", "127.0.0.1:0", option, "/nonexistent-folder/file",
            ])
            #expect(output.status == 1)
            #expect(output.standardError.contains(
                "\(what) /nonexistent-folder/file: its directory /nonexistent-folder does not exist"), "\(output.standardError)")
        }
    }

    @Test("JSON logs keep numbers and booleans typed; a failing canary is logged once, not at every check")
    func logs() throws {
        let broken = serveSettings.replacingOccurrences(of: "expect: \"on\"", with: "expect: \"off\"")
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic", "--log.format", "json", "--log.level", "debug"], settings: broken)
        defer { exporter.stop() }
        #expect(try RunningExporter.eventually(timeout: 5) {
            try exporter.sample("feature_flag_canary_success", ["canary=\"admins-checkout\""]) == 0
        })
        Thread.sleep(forTimeInterval: 2.5)  // two or three more failing checks
        let log = exporter.log
        #expect(log.components(separatedBy: "\"msg\":\"canary failed\"").count == 2, "\(log)")
        #expect(log.contains("\"flags\":3"), "\(log)")
        #expect(log.contains("\"tls\":false"), "\(log)")
        // Debug names each service by its role, never by a dump of its Swift value.
        #expect(log.contains("canaries (1, every 1.0 s)"), "\(log)")
        for dump in ["FlagConfig.", "Exporter.", "Logging.Logger("] { #expect(!log.contains(dump), "\(dump) in \(log)") }
    }
}
