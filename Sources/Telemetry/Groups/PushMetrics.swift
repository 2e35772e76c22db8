/// The Pushgateway pusher's results: pushes accepted and failed by error type, their duration, and the last
/// accepted push. Only exporters that push have these series (``enable()``).
public final class PushMetrics: Sendable {
    private let registry: MetricRegistry
    private let series = LateSeries<Series>()

    struct Series: Sendable {
        let successes: Counter
        let failures: [PushErrorType: Counter]
        let duration: Histogram
        let lastPush: Gauge
    }

    init(registry: MetricRegistry) {
        self.registry = registry
    }

    /// Registers the series, every failure type at 0.
    public func enable() {
        series.enable {
            Series(
                successes: registry.counter(
                    name: "feature_flag_push_success_total", help: "Pushes the Pushgateway accepted."),
                failures: seriesByKey(PushErrorType.allCases) { type in
                    registry.counter(
                        name: "feature_flag_push_failure_total", labels: [("error_type", type.rawValue)],
                        help: "Pushes that failed after their retries, by error type.")
                },
                duration: registry.histogram(
                    name: "feature_flag_push_duration_seconds",
                    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
                    help: "Duration of one push, retries and the waits between them included."),
                lastPush: registry.gauge(
                    name: "feature_flag_last_push_timestamp_seconds",
                    help: "Unix time of the last push the Pushgateway accepted."))
        }
    }

    /// Counts one push the Pushgateway accepted (after its retries), finished at unix time `time`.
    public func recordSuccess(durationSeconds: Double, at time: Double) {
        series.record { series in
            series.duration.record(durationSeconds)
            series.successes.increment()
            series.lastPush.set(time)
        }
    }

    /// Counts one push that failed after its retries with `errorType`.
    public func recordFailure(_ errorType: PushErrorType, durationSeconds: Double) {
        series.record { series in
            series.duration.record(durationSeconds)
            series.failures[errorType]?.increment()
        }
    }
}
