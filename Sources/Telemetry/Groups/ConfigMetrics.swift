public import FlagSync
import Locking

/// How the config in use is kept fresh: checks of the source, reloads, the circuit breaker and staleness.
///
/// Checks, reloads and breaker transitions are counted as they happen. The gauges of the state they leave behind
/// (last refresh, last change, staleness, breaker state) are read from FlagSync's ``ConfigStatus`` at scrape time:
/// FlagSync owns that state, this group only shows it.
public final class ConfigMetrics: ScrapeTimeCollector {
    private let refreshSuccess: Counter
    private let refreshFailures: [RefreshErrorType: Counter]
    private let refreshDuration: Histogram
    private let reloads: [Bool: Counter]
    private let breakerTransitions: [CircuitBreaker.State: Counter]
    private let lastRefresh: Gauge
    private let lastChange: Gauge
    private let staleConfig: Gauge
    private let staleThreshold: Gauge
    private let breakerState: Gauge
    private let statusReader: Locked<(any ConfigStatusReading)?>

    init(registry: MetricRegistry) {
        statusReader = Locked(nil)
        refreshSuccess = registry.counter(
            name: "feature_flag_refresh_success_total",
            help: "Checks of the config source that succeeded, including not modified.")
        refreshFailures = seriesByKey(RefreshErrorType.allCases) { type in
            registry.counter(
                name: "feature_flag_refresh_failure_total", labels: [("error_type", type.rawValue)],
                help: "Failed checks of the config source, by error type.")
        }
        refreshDuration = registry.histogram(
            name: "feature_flag_refresh_duration_seconds",
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            help: "Duration of one check of the config source.")
        reloads = seriesByKey([true, false]) { success in
            registry.counter(
                name: "feature_flag_config_reloads_total", labels: [("status", success ? "success" : "failure")],
                help: "New config content applied (success) or rejected (failure).")
        }
        breakerTransitions = seriesByKey([CircuitBreaker.State.closed, .open, .halfOpen]) { target in
            registry.counter(
                name: "feature_flag_circuit_breaker_transitions_total", labels: [("to", target.rawValue)],
                help: "Circuit breaker transitions, by the state entered.")
        }
        lastRefresh = registry.gauge(
            name: "feature_flag_last_refresh_timestamp",
            help: "Unix time of the last successful check of the config source.")
        lastChange = registry.gauge(
            name: "feature_flag_last_change_timestamp_seconds",
            help: "Unix time the effective config content last changed.")
        staleConfig = registry.gauge(
            name: "feature_flag_stale_config",
            help: "1 while the last successful check is older than the staleness threshold.")
        staleThreshold = registry.gauge(
            name: "feature_flag_stale_threshold_seconds", help: "The staleness threshold in seconds.")
        breakerState = registry.gauge(
            name: "feature_flag_circuit_breaker_state", help: "Circuit breaker: 0 closed, 1 open, 2 half-open.")
    }

    /// Reads the status the gauges show from `reader` at each scrape (FlagSync's ``ConfigSynchronizer``).
    public func readStatus(from reader: any ConfigStatusReading) {
        statusReader.withLock { $0 = reader }
    }

    /// Counts one check of the config source: its duration, its success or its error type, the content it applied
    /// or refused, and the breaker transitions it caused.
    public func record(_ report: RefreshReport) {
        refreshDuration.record(report.durationSeconds)
        if let errorType = report.refreshErrorType {
            refreshFailures[errorType]?.increment()
        } else {
            refreshSuccess.increment()
        }
        switch report.outcome {
        case .applied: reloads[true]?.increment()
        case .rejected: reloads[false]?.increment()
        case .unchanged, .failed, .breakerOpen: break
        }
        for transition in report.transitions { recordBreakerTransition(to: transition.to) }
    }

    /// Counts the breaker entering `state` (on its own clock, between checks).
    public func recordBreakerTransition(to state: CircuitBreaker.State) {
        breakerTransitions[state]?.increment()
    }

    func collect(at now: Double) {
        let status = statusReader.withLock { $0 }?.status ?? ConfigStatus()
        if let refreshed = status.lastRefresh { lastRefresh.set(refreshed) }
        if let changed = status.lastChange { lastChange.set(changed) }
        staleConfig.set(status.isStale(at: now) ? 1.0 : 0.0)
        staleThreshold.set(status.staleThreshold)
        breakerState.set(Double(status.breaker.gaugeValue))
    }
}
