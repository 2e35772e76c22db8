import FlagConfig
import Settings
import FlagEngine
import FlagSync
import Foundation
import Testing

@Suite("ConfigStatus: the one record of how the config in use stands")
struct ConfigStatusTests {
    static func report(_ outcome: RefreshReport.Outcome, at time: Double, breaker: CircuitBreaker.State = .closed) -> RefreshReport {
        RefreshReport(trigger: .periodic, outcome: outcome, startedAt: time, durationSeconds: 0.01, breakerState: breaker)
    }

    static func loaded() throws -> LoadedConfig {
        try FlagConfigLoader.load(
            base: ConfigText(name: "flags.yaml", text: "flags:\n  f: {state: enabled, default_variant: on, variants: {on: true}}\n"),
            environment: "production")
    }

    static let fetchFailure = RefreshReport.Outcome.failed(FetchError(kind: .connection, message: "connection refused"))

    @Test("a check's report moves exactly the fields it is about")
    func recording() throws {
        var status = ConfigStatus(staleThreshold: 60)
        #expect(!status.isLoaded && status.lastRefresh == nil && status.isStale(at: 0) && !status.isHealthy(at: 0))

        status.record(Self.report(.applied(try Self.loaded()), at: 100))
        #expect(status.isLoaded && !status.isServingCache)
        #expect(status.lastRefresh == 100 && status.lastChange == 100 && status.consecutiveFailures == 0)
        #expect(status.isHealthy(at: 150))

        status.record(Self.report(Self.fetchFailure, at: 200))
        status.record(Self.report(Self.fetchFailure, at: 210, breaker: .open))
        #expect(status.consecutiveFailures == 2 && status.lastError == "connection refused")
        #expect(status.lastRefresh == 100 && status.lastChange == 100, "a failure leaves the times of the last success")
        #expect(status.breaker == .open && !status.isHealthy(at: 150), "an open breaker is unhealthy even while fresh")

        status.record(Self.report(.unchanged, at: 300))
        #expect(status.consecutiveFailures == 0 && status.lastError == nil && status.breaker == .closed)
        #expect(status.lastRefresh == 300 && status.lastChange == 100, "unchanged content refreshes, it does not change")
    }

    @Test("stale strictly after the threshold; age is measured from the last successful check", arguments: [
        (59.0, false), (60.0, false), (60.5, true),
    ])
    func staleness(age: Double, stale: Bool) {
        var status = ConfigStatus(staleThreshold: 60)
        status.isLoaded = true
        status.lastRefresh = 1000
        #expect(status.ageSeconds(at: 1000 + age) == age)
        #expect(status.isStale(at: 1000 + age) == stale)
        #expect(status.isHealthy(at: 1000 + age) == !stale)
    }

    @Test("the synchroniser keeps the status: a file source applied, then unreadable, then back")
    func synchroniserOwnsIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("flags.yaml").path
        try "flags:\n  f: {state: enabled, default_variant: on, variants: {on: true}}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fetcher = SourceFetcher(source: .file(path: path), environment: "production", options: ExporterSettings.Source(), variables: [:])
        let synchronizer = ConfigSynchronizer(
            fetcher: fetcher, breaker: CircuitBreaker(failureThreshold: 2, recoveryTimeout: 30), cache: nil, staleThreshold: 45)
        #expect(synchronizer.status == ConfigStatus(staleThreshold: 45))

        _ = synchronizer.check(trigger: .startup)
        let applied = synchronizer.status
        #expect(applied.isLoaded && applied.consecutiveFailures == 0 && applied.lastRefresh != nil)

        try FileManager.default.removeItem(atPath: path)
        _ = synchronizer.check(trigger: .periodic)
        _ = synchronizer.check(trigger: .periodic)
        let failing = synchronizer.status
        #expect(failing.consecutiveFailures == 2 && failing.breaker == .open)
        #expect(failing.lastError?.contains(path) == true, "\(failing.lastError ?? "no error")")
        #expect(failing.isLoaded && failing.lastChange == applied.lastChange, "the config in use stays")
        #expect(synchronizer.status == failing, "reading the status moves nothing")
    }
}
