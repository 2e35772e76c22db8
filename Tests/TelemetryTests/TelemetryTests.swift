import Foundation
import FlagEngine
import FlagSync
import Telemetry
import Testing

@Suite("Telemetry")
struct TelemetryTests {
    @Test("chi-square survival matches the tables", arguments: [(3.841, 1, 0.05), (5.991, 2, 0.05), (6.635, 1, 0.01), (13.816, 2, 0.001), (0.0, 3, 1.0), (1.0, 1, 0.3173)])
    func chiSquare(statistic: Double, degreesOfFreedom: Int, expected: Double) {
        #expect(abs(ChiSquare.survival(statistic: statistic, degreesOfFreedom: degreesOfFreedom) - expected) < 0.0005)
    }

    @Test("p-value of counts against shares: perfect fit is 1, traffic on a zero-weight variant is 0")
    func pValue() {
        #expect(ChiSquare.pValue(observed: [500, 300, 200], expectedShares: [50, 30, 20]) == 1)
        #expect(ChiSquare.pValue(observed: [500, 300, 1], expectedShares: [50, 50, 0]) == 0)
        #expect(ChiSquare.pValue(observed: [0, 0], expectedShares: [1, 1]) == 1)
    }

    static func flagSet(_ count: Int) throws -> FlagSet {
        try FlagSet(flags: (0..<count).map { index in
            FlagDefinition(
                key: "f\(index)", state: .rollout, defaultVariant: "off",
                variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
                rollout: Rollout(strategy: .percentage(50)))
        })
    }

    @Test("flushed tallies become counters with the catalog's labels; past --metrics.max-flags flags fold into __other__")
    func flushAndFold() throws {
        let set = try Self.flagSet(3)
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3", maximumFlagSeries: 2)
        telemetry.configure(set, now: 0)
        var tally = EvaluationTally(flagSet: set)
        for number in 0..<1000 {
            for index in 0..<3 { tally.record(set.evaluate(flagAt: index, in: EvaluationContext(userID: "u\(number)"))) }
        }
        telemetry.evaluations.flush(&tally, source: .synthetic)
        #expect(tally.pending == 0)
        let text = String(decoding: telemetry.render(now: 0), as: UTF8.self)
        let lines = text.split(separator: "\n")
        func value(_ prefix: String) -> Double? {
            lines.first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last!) }
        }
        let hits = value(#"feature_flag_rollout_evaluations_total{flag_key="f0",outcome="in",source="synthetic"}"#) ?? 0
        let misses = value(#"feature_flag_rollout_evaluations_total{flag_key="f0",outcome="out",source="synthetic"}"#) ?? 0
        #expect(hits + misses == 1000)
        #expect(text.contains(#"flag_key="__other__""#))
        #expect(!text.contains(#"flag_key="f2""#))
        #expect(value("feature_flag_metrics_folded_flags") == 1)
        #expect(value(#"feature_flag_exporter_build_info{version="1",revision="r",swift_version="6.3"}"#) == 1)
        #expect(text.contains("# TYPE feature_flag_evaluations_total counter"))
        #expect(text.contains("process_resident_memory_bytes"))
    }

    @Test("gzip output decompresses, with Debian's gzip, to exactly the body")
    func gzip() throws {
        var body = Array(String(repeating: "metric 1\n", count: 1000).utf8)
        body += (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }  // and some that do not compress
        let compressed = try #require(Gzip.compress(body))
        let path = NSTemporaryDirectory() + "gzip-test-\(getpid()).gz"
        try Data(compressed).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", path]
        let output = Pipe()
        gunzip.standardOutput = output
        try gunzip.run()
        let decompressed = output.fileHandleForReading.readDataToEndOfFile()
        gunzip.waitUntilExit()
        #expect(gunzip.terminationStatus == 0)
        #expect(Array(decompressed) == body)
        #expect(compressed.count < body.count / 2)
    }
}

/// The closed label sets are types: every value is exposed at 0 before its first increment, and a recorded value
/// lands on its own series.
@Suite("Telemetry: label values as types")
struct MetricLabelTests {
    @Test("every refresh and push error type is a series at 0 from the start; a recorded one counts on its own")
    func errorTypes() throws {
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3")
        let flags = try FlagSet(flags: [
            FlagDefinition(key: "f", state: .enabled, defaultVariant: "off", variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))]),
        ])
        telemetry.configure(flags, now: 0)
        telemetry.push.enable()
        var text = String(decoding: telemetry.render(now: 0), as: UTF8.self)
        for type in RefreshErrorType.allCases {
            #expect(text.contains("feature_flag_refresh_failure_total{error_type=\"\(type.rawValue)\"} 0\n"), "\(type)")
        }
        for type in PushErrorType.allCases {
            #expect(text.contains("feature_flag_push_failure_total{error_type=\"\(type.rawValue)\"} 0\n"), "\(type)")
        }
        telemetry.config.record(
            RefreshReport(trigger: .periodic, outcome: .breakerOpen, startedAt: 1, durationSeconds: 0, breakerState: .open))
        telemetry.push.recordFailure(.httpStatus, durationSeconds: 0)
        telemetry.evaluations.recordError(flagKey: "f", errorType: .targetingKeyMissing, source: .mirror)
        text = String(decoding: telemetry.render(now: 1), as: UTF8.self)
        #expect(text.contains("feature_flag_refresh_failure_total{error_type=\"circuit_breaker_open\"} 1\n"))
        #expect(text.contains("feature_flag_refresh_failure_total{error_type=\"io\"} 0\n"))
        #expect(text.contains("feature_flag_push_failure_total{error_type=\"http_status\"} 1\n"))
        #expect(text.contains("feature_flag_errors_total{flag_key=\"f\",error_type=\"targeting_key_missing\",source=\"mirror\"} 1\n"))
    }
}
