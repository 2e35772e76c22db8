/// The Redis refresh channel: whether the subscription is up, messages received, resubscriptions. Only exporters
/// that subscribe have these series (``enable()``).
public final class PubSubMetrics: Sendable {
    private let registry: MetricRegistry
    private let series = LateSeries<Series>()

    struct Series: Sendable {
        let connected: Gauge
        let messages: Counter
        let reconnects: Counter
    }

    init(registry: MetricRegistry) {
        self.registry = registry
    }

    /// Registers the series.
    public func enable() {
        series.enable {
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

    /// Whether the Redis subscription is up.
    public func setConnected(_ connected: Bool) {
        series.record { $0.connected.set(connected ? 1.0 : 0.0) }
    }

    /// Counts a message on the refresh channel.
    public func recordMessage() {
        series.record { $0.messages.increment() }
    }

    /// Counts a resubscription after a lost connection.
    public func recordReconnect() {
        series.record { $0.reconnects.increment() }
    }
}
