import Locking

/// Each canary's last result: whether its fixed context got its expected variant.
public final class CanaryMetrics: Sendable {
    private let registry: MetricRegistry
    private let gauges: Locked<[Key: Gauge]>

    struct Key: Hashable {
        var name: String
        var flag: String
    }

    init(registry: MetricRegistry) {
        self.registry = registry
        gauges = Locked([:])
    }

    /// Sets a canary's result.
    public func record(name: String, flagKey: String, success: Bool) {
        gauges.withLock { gauges in
            cachedSeries(&gauges, Key(name: name, flag: flagKey)) {
                registry.gauge(
                    name: "feature_flag_canary_success", labels: [("canary", name), ("flag_key", flagKey)],
                    help: "1 if the canary's last check returned its expected variant.")
            }.set(success ? 1.0 : 0.0)
        }
    }

    /// Drops the series of canaries that are no longer configured.
    public func retain(_ names: Set<String>) {
        gauges.withLock { gauges in
            for (key, gauge) in gauges where !names.contains(key.name) {
                registry.unregister(gauge)
                gauges[key] = nil
            }
        }
    }
}
