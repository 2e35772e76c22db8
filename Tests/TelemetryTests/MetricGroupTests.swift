import FlagConfig
import FlagEngine
import FlagSync
import Locking
import Telemetry
import Testing

@Suite("Telemetry: metric groups")
struct MetricGroupTests {
    static func text(_ telemetry: ExporterTelemetry, at now: Double) -> String {
        String(decoding: telemetry.render(now: now), as: UTF8.self)
    }

    static func flags(_ keys: [String], state: FlagState = .enabled) throws -> FlagSet {
        try FlagSet(flags: keys.map { key in
            FlagDefinition(
                key: key, state: state, defaultVariant: "off",
                variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
                rollout: state == .rollout ? Rollout(strategy: .percentage(50)) : nil)
        })
    }

    @Test("the config gauges show FlagSync's status as it stands at each scrape; without one the config is stale")
    func configGaugesReadTheStatus() {
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3")
        #expect(Self.text(telemetry, at: 0).contains("feature_flag_stale_config 1.0\n"))

        let status = StatusBox(ConfigStatus(staleThreshold: 60))
        telemetry.config.readStatus(from: status)
        status.update { status in
            status.isLoaded = true
            status.lastRefresh = 1000
            status.lastChange = 900
            status.breaker = .halfOpen
        }
        var text = Self.text(telemetry, at: 1030)
        for line in [
            "feature_flag_stale_config 0.0", "feature_flag_stale_threshold_seconds 60.0",
            "feature_flag_last_refresh_timestamp 1000.0", "feature_flag_last_change_timestamp_seconds 900.0",
            "feature_flag_circuit_breaker_state 2.0",
        ] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        text = Self.text(telemetry, at: 1061)
        #expect(text.contains("feature_flag_stale_config 1.0\n"), "stale once the threshold passes, with no check in between")
        #expect(status.status.breaker == .halfOpen, "scraping moved nothing")
    }

    @Test("a check's report is counted once: success or its error type, reload success or failure, transitions")
    func configRecordsReports() throws {
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3")
        let rejected = FlagConfigError(diagnostics: [], stage: .validation)
        let opened = [CircuitBreaker.Transition(from: .closed, to: .open)]
        let checks: [(RefreshReport.Outcome, [CircuitBreaker.Transition])] = [
            (.unchanged, opened), (.rejected(rejected), opened), (.breakerOpen, []),
        ]
        for (outcome, transitions) in checks {
            telemetry.config.record(RefreshReport(
                trigger: .periodic, outcome: outcome, startedAt: 1, durationSeconds: 0.002, transitions: transitions,
                breakerState: .open))
        }
        let text = Self.text(telemetry, at: 2)
        for line in [
            "feature_flag_refresh_success_total 1", "feature_flag_refresh_failure_total{error_type=\"validation\"} 1",
            "feature_flag_refresh_failure_total{error_type=\"circuit_breaker_open\"} 1",
            "feature_flag_refresh_failure_total{error_type=\"io\"} 0", "feature_flag_config_reloads_total{status=\"failure\"} 1",
            "feature_flag_config_reloads_total{status=\"success\"} 0", "feature_flag_circuit_breaker_transitions_total{to=\"open\"} 2",
            "feature_flag_refresh_duration_seconds_count 3",
        ] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
    }

    @Test("a new config drops the per-flag series of flags that left it, in every group, and keeps shared labels")
    func configureDropsLeftFlags() throws {
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3")
        let before = try Self.flags(["kept", "gone"], state: .rollout)
        telemetry.configure(before, now: 0)
        var tally = EvaluationTally(flagSet: before)
        for number in 0..<100 {
            for index in 0..<2 { tally.record(before.evaluate(flagAt: index, in: EvaluationContext(userID: "u\(number)"))) }
        }
        telemetry.evaluations.flush(&tally, source: .synthetic)
        telemetry.evaluations.recordUnknownFlag(source: .mirror)
        telemetry.mirror.recordMismatch(flagKey: "gone")
        var text = Self.text(telemetry, at: 0)
        #expect(text.contains("flag_key=\"gone\""))

        telemetry.configure(try Self.flags(["kept"], state: .rollout), now: 0)
        text = Self.text(telemetry, at: 0)
        #expect(!text.contains("flag_key=\"gone\""), "no series of a flag the config no longer has")
        #expect(text.contains("feature_flag_evaluations_total{flag_key=\"kept\""), "the kept flag's counts stay")
        #expect(text.contains("feature_flag_evaluations_total{flag_key=\"__unknown__\""), "the shared label stays")
        #expect(text.contains("feature_flag_info{flag_key=\"kept\""))
        #expect(text.contains("feature_flag_active_flags{state=\"rollout\"} 1.0\n"))
    }

    @Test("labels: flags past the limit share __other__, flags not in the config are __unknown__")
    func labels() throws {
        let labels = FlagSeriesLabels(flagSet: try Self.flags(["a", "b", "c"]), maximumFlagSeries: 2)
        #expect(labels.label(for: "a") == "a")
        #expect(labels.label(for: "c") == FlagSeriesLabels.other)
        #expect(labels.label(for: "zzz") == FlagSeriesLabels.unknown)
        #expect(FlagSeriesLabels(flagSet: nil, maximumFlagSeries: 5).label(for: "a") == FlagSeriesLabels.unknown)
    }

    @Test("push and pub/sub series exist only once enabled; enabling twice registers nothing twice")
    func optionalGroups() {
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3")
        telemetry.push.recordSuccess(durationSeconds: 0.1, at: 5)
        telemetry.pubSub.recordMessage()
        var text = Self.text(telemetry, at: 0)
        #expect(!text.contains("feature_flag_push_success_total") && !text.contains("feature_flag_pubsub_messages_total"))
        telemetry.push.enable()
        telemetry.push.enable()
        telemetry.pubSub.enable()
        telemetry.push.recordSuccess(durationSeconds: 0.1, at: 5)
        telemetry.push.recordFailure(.timeout, durationSeconds: 0.2)
        telemetry.pubSub.setConnected(true)
        telemetry.pubSub.recordMessage()
        text = Self.text(telemetry, at: 0)
        for line in [
            "feature_flag_push_success_total 1", "feature_flag_push_failure_total{error_type=\"timeout\"} 1",
            "feature_flag_last_push_timestamp_seconds 5.0", "feature_flag_push_duration_seconds_count 2",
            "feature_flag_pubsub_connected 1.0", "feature_flag_pubsub_messages_total 1",
        ] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        #expect(text.split(separator: "\n").filter { $0 == "# TYPE feature_flag_push_success_total counter" }.count == 1)
    }

    @Test("HTTP requests count by handler and code; canaries no longer configured lose their series")
    func httpAndCanaries() {
        let telemetry = ExporterTelemetry(version: "1", revision: "r", swiftVersion: "6.3")
        telemetry.http.recordRequest(handler: "/metrics", code: 200, durationSeconds: 0.001)
        telemetry.http.recordRequest(handler: "/metrics", code: 200, durationSeconds: 0.002)
        telemetry.http.recordRefused(.connectionLimit)
        telemetry.canaries.record(name: "admins", flagKey: "f", success: true)
        telemetry.canaries.record(name: "old", flagKey: "f", success: false)
        telemetry.canaries.retain(["admins"])
        let text = Self.text(telemetry, at: 0)
        for line in [
            "feature_flag_exporter_http_requests_total{handler=\"/metrics\",code=\"200\"} 2",
            "feature_flag_exporter_http_request_duration_seconds_count{handler=\"/metrics\"} 2",
            "feature_flag_exporter_http_refused_total{reason=\"connection_limit\"} 1",
            "feature_flag_canary_success{canary=\"admins\",flag_key=\"f\"} 1.0",
        ] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        #expect(!text.contains("canary=\"old\""))
    }
}

/// A status a test sets by hand, read as FlagSync's is.
final class StatusBox: ConfigStatusReading {
    private let value: Locked<ConfigStatus>
    init(_ status: ConfigStatus) { value = Locked(status) }
    var status: ConfigStatus { value.withLock { $0 } }
    func update(_ body: (inout ConfigStatus) -> Void) { value.withLock { body(&$0) } }
}
