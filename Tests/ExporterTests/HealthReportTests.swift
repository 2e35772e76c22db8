import Settings
@testable import Exporter
import FlagConfig
import FlagEngine
import FlagSync
import Foundation
import Testing

@Suite("/health: a reading of FlagSync's status")
struct HealthReportTests {
    static let flagSet: FlagSet = {
        let loaded = try! FlagConfigLoader.load(
            base: ConfigText(name: "flags.yaml", text: "version: \"2.1.0\"\nflags:\n  f: {state: enabled, default_variant: on, variants: {on: true}}\n"),
            environment: "production")
        return loaded.flagSet
    }()

    static func report(_ status: ConfigStatus, at now: Double) -> HealthReport {
        HealthReport(
            status: status, flagSet: flagSet, refreshMode: .periodic, environment: "production",
            source: .file(path: "flags.yaml"), now: now)
    }

    @Test("healthy: every key of docs/metrics.md, sorted, times in RFC 3339")
    func healthy() {
        var status = ConfigStatus(staleThreshold: 300)
        status.isLoaded = true
        status.lastRefresh = 1_764_000_000
        status.lastChange = 1_763_999_000
        let report = Self.report(status, at: 1_764_000_001.9664)
        #expect(report.healthy)
        #expect(report.json == #"{"cache_size":1,"circuit_breaker_state":"closed","config_age_seconds":1.966,"config_stale":false,"environment":"production","healthy":true,"last_change":"2025-11-24T15:43:20Z","last_refresh":"2025-11-24T16:00:00Z","refresh_failures":0,"refresh_mode":"periodic","serving_cache":false,"source":"flags.yaml","version":"2.1.0"}"#)
    }

    @Test("not ready: nulls where nothing is known, no flags counted, the last error carried")
    func notReady() {
        var status = ConfigStatus(staleThreshold: 300)
        status.consecutiveFailures = 3
        status.lastError = "flags.yaml:2:3: error: \"quoted\" and \\ escaped"
        let report = Self.report(status, at: 10)
        #expect(!report.healthy)
        #expect(report.json == #"{"cache_size":0,"circuit_breaker_state":"closed","config_age_seconds":null,"config_stale":true,"environment":"production","healthy":false,"last_change":null,"last_error":"flags.yaml:2:3: error: \"quoted\" and \\ escaped","last_refresh":null,"refresh_failures":3,"refresh_mode":"periodic","serving_cache":false,"source":"flags.yaml","version":null}"#)
        let decoded = try? JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
        #expect(decoded?["last_error"] as? String == status.lastError)
    }

    @Test("unhealthy when stale, when the breaker is open, or with no config", arguments: [
        ("stale", 400.0, CircuitBreaker.State.closed, true, false),
        ("breaker open", 10.0, .open, true, false),
        ("half-open is a trial, not an outage", 10.0, .halfOpen, true, true),
        ("no config", 10.0, .closed, false, false),
    ])
    func unhealthy(name: String, age: Double, breaker: CircuitBreaker.State, loaded: Bool, healthy: Bool) {
        var status = ConfigStatus(staleThreshold: 300)
        status.isLoaded = loaded
        status.lastRefresh = 1000
        status.breaker = breaker
        let report = Self.report(status, at: 1000 + age)
        #expect(report.healthy == healthy, "\(name)")
        #expect(report.circuitBreakerState == breaker.healthName)
    }
}
