import Locking
public import Prometheus

/// The Redis refresh channel: whether the subscription is up, messages received, resubscriptions. Only exporters
/// that subscribe have these series (``enable()``).
public final class PubSubMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let series: Locked<Series?>

    struct Series: Sendable {
        let connected: Gauge
        let messages: Counter
        let reconnects: Counter
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        series = Locked(nil)
    }

    /// Registers the series.
    public func enable() {
        series.withLock { series in
            _ = cachedSeriesOnce(&series) {
                Series(
                    connected: registry.gauge(
                        name: "feature_flag_pubsub_connected",
                        help: "1 while subscribed to the Redis refresh channel, 0 while reconnecting."),
                    messages: registry.counter(
                        name: "feature_flag_pubsub_messages_total",
                        help: "Messages received on the Redis refresh channel; each triggers a check."),
                    reconnects: registry.counter(
                        name: "feature_flag_pubsub_reconnects_total",
                        help: "Successful resubscriptions after the Redis connection was lost."))
            }
        }
    }

    /// Whether the Redis subscription is up.
    public func setConnected(_ connected: Bool) {
        series.withLock { $0?.connected.set(connected ? 1.0 : 0.0) }
    }

    /// Counts a message on the refresh channel.
    public func recordMessage() {
        series.withLock { $0?.messages.increment() }
    }

    /// Counts a resubscription after a lost connection.
    public func recordReconnect() {
        series.withLock { $0?.reconnects.increment() }
    }
}
