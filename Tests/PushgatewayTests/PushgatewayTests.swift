import FlagConfig
import FlagEngine
@testable import Pushgateway
import Telemetry
import Testing

@Suite("Pushgateway grouping keys")
struct PushGroupTests {
    @Test("job and plain values are path segments; other bytes are percent-encoded")
    func plainValues() throws {
        let group = try PushGroup(
            job: "flag check", labels: [.init(name: "environment", value: "production"), .init(name: "team", value: "ä+b")])
        #expect(group.path == "/metrics/job/flag%20check/environment/production/team/%C3%A4%2Bb")
    }

    @Test("a value with / and an empty value go as URL-safe base64 under @base64, the empty one as =")
    func base64Values() throws {
        let group = try PushGroup(
            job: "a/b", labels: [.init(name: "path", value: "/var/tmp"), .init(name: "empty", value: ""),
                                 .init(name: "dots", value: "..")])
        #expect(group.path == "/metrics/job@base64/YS9i/path@base64/L3Zhci90bXA=/empty@base64/=/dots@base64/Li4=")
        // The URL-safe alphabet: bytes that make + and / in standard base64 make - and _.
        #expect(PushGroup.base64URL([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(PushGroup.base64URL(Array("ab".utf8)) == "YWI=")
    }

    @Test("an empty job, invalid, reserved or repeated label names, and job as a label are refused")
    func invalidGroups() throws {
        #expect(throws: PushGroupError.self) { try PushGroup(job: "") }
        #expect(throws: PushGroupError.self) { try PushGroup(job: "j", labels: [.init(name: "1abc", value: "x")]) }
        #expect(throws: PushGroupError.self) { try PushGroup(job: "j", labels: [.init(name: "a-b", value: "x")]) }
        #expect(throws: PushGroupError.self) { try PushGroup(job: "j", labels: [.init(name: "__name__", value: "x")]) }
        #expect(throws: PushGroupError.self) { try PushGroup(job: "j", labels: [.init(name: "job", value: "x")]) }
        #expect(throws: PushGroupError.self) {
            try PushGroup(job: "j", labels: [.init(name: "a", value: "x"), .init(name: "a", value: "y")])
        }
    }

    @Test("name=value parses with empty values and = inside values")
    func parsing() throws {
        #expect(try PushGroup.label(parsing: "instance=") == .init(name: "instance", value: ""))
        #expect(try PushGroup.label(parsing: "q=a=b") == .init(name: "q", value: "a=b"))
        #expect(throws: PushGroupError.self) { try PushGroup.label(parsing: "novalue") }
    }
}

@Suite("Push bodies")
struct PushBodyTests {
    static let good = """
        # HELP a_total Things.
        # TYPE a_total counter
        a_total{x="with } and \\" and space"} 3
        # HELP h Latency.
        # TYPE h histogram
        h_bucket{le="+Inf"} 1
        h_sum 0.5
        h_count 1

        """

    @Test("a well-formed exposition passes")
    func wellFormed() throws {
        try PushBody.validate(Array(Self.good.utf8))
    }

    @Test("CRLF, a missing final newline, timestamps and families without TYPE or HELP are refused at their line")
    func refused() {
        let cases: [(String, Int, String)] = [
            (Self.good.replacingOccurrences("\n", with: "\r\n"), 1, "carriage return"),
            (String(Self.good.dropLast()), 8, "newline"),
            (Self.good.replacingOccurrences("h_sum 0.5", with: "h_sum 0.5 1700000000000"), 7, "timestamp"),
            ("# HELP b x\nb 1\n", 2, "TYPE"),
            ("# TYPE b gauge\nb 1\n", 2, "HELP"),
            ("# HELP b x\n# TYPE b gauge\nb{x=\"1\" 1\n", 3, "unterminated"),
            ("", 0, "empty"),
        ]
        for (body, line, message) in cases {
            do {
                try PushBody.validate(Array(body.utf8))
                Issue.record("accepted: \(body)")
            } catch {
                #expect(error.line == line, "\(body)")
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
    }

    @Test("the exporter's own exposition, with the shipped config loaded, passes")
    func exporterExposition() throws {
        let loaded = try FlagConfigLoader.load(path: repositoryRoot + "/config/feature_flags.yaml", environment: "production")
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6")
        telemetry.configure(loaded.flagSet, now: 1_700_000_000)
        telemetry.push.enable()
        telemetry.push.recordSuccess(durationSeconds: 0.01, at: 1_700_000_000)
        var tally = EvaluationTally(flagSet: loaded.flagSet)
        tally.record(loaded.flagSet.evaluate(flagAt: 0, in: EvaluationContext(userID: "u1")))
        telemetry.evaluations.flush(&tally, source: .synthetic)
        try PushBody.validate(telemetry.render(now: 1_700_000_001))
    }

    var repositoryRoot: String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }
}

@Suite("Push retries")
struct RetryPolicyTests {
    @Test("waits double from the initial backoff, within the jitter, and never exceed the cap")
    func backoff() {
        let policy = RetryPolicy(retries: 6, initialBackoff: 0.5, maximumBackoff: 5, jitter: 0.2)
        #expect(policy.backoff(beforeRetry: 1, random: 0.5) == 0.5)
        #expect(policy.backoff(beforeRetry: 2, random: 0.5) == 1)
        #expect(policy.backoff(beforeRetry: 3, random: 0.5) == 2)
        #expect(policy.backoff(beforeRetry: 1, random: 0) == 0.4)
        #expect(abs(policy.backoff(beforeRetry: 1, random: 0.999_999) - 0.6) < 1e-5)
        #expect(policy.backoff(beforeRetry: 5, random: 0.5) == 5)
        #expect(policy.backoff(beforeRetry: 60, random: 0.9) == 5)
        #expect(abs(RetryPolicy().maximumTotalBackoff - 4.2) < 1e-9)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
