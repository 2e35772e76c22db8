import Locking

/// The exporter's own HTTP server: requests by handler and code with their latency, connections open, what the
/// server's limits and checks refused, and whether the web config last loaded.
public final class HTTPMetrics: Sendable {
    private let registry: MetricRegistry
    private let refused: [HTTPRefusalReason: Counter]
    private let connections: Gauge
    private let state: Locked<State>

    struct State {
        var requests: [RequestKey: Counter] = [:]
        var durations: [String: Histogram] = [:]
        var webConfigReload: Gauge?
    }

    struct RequestKey: Hashable {
        var handler: String
        var code: Int
    }

    init(registry: MetricRegistry) {
        self.registry = registry
        state = Locked(State())
        refused = seriesByKey(HTTPRefusalReason.allCases) { reason in
            registry.counter(
                name: "feature_flag_exporter_http_refused_total", labels: [("reason", reason.rawValue)],
                help: "HTTP connections and requests the server refused, by the limit or check that refused them.")
        }
        connections = registry.gauge(
            name: "feature_flag_exporter_http_connections", help: "HTTP connections open now.")
    }

    /// Counts one connection or request refused by a server limit or check.
    public func recordRefused(_ reason: HTTPRefusalReason) {
        refused[reason]?.increment()
    }

    /// Sets the number of open HTTP connections.
    public func setConnections(_ count: Int) {
        connections.set(Double(count))
    }

    /// Counts one HTTP request answered by `handler` (the route's pattern) with `code`.
    public func recordRequest(handler: String, code: Int, durationSeconds: Double) {
        state.withLock { state in
            cachedSeries(&state.requests, RequestKey(handler: handler, code: code)) {
                registry.counter(
                    name: "feature_flag_exporter_http_requests_total",
                    labels: [("handler", handler), ("code", String(code))], help: "HTTP requests served.")
            }.increment()
            cachedSeries(&state.durations, handler) {
                registry.histogram(
                    name: "feature_flag_exporter_http_request_duration_seconds", labels: [("handler", handler)],
                    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
                    help: "HTTP request latency.")
            }.record(durationSeconds)
        }
    }

    /// Registers `feature_flag_exporter_web_config_last_reload_successful` (exporters started with
    /// `--web.config.file`) and sets it.
    public func setWebConfigReloadSuccessful(_ successful: Bool) {
        state.withLock { state in
            cachedSeriesOnce(&state.webConfigReload) {
                registry.gauge(
                    name: "feature_flag_exporter_web_config_last_reload_successful",
                    help: "1 if the last read of --web.config.file (and its certificate files) succeeded; "
                        + "0 while the previous good one is still in use.")
            }.set(successful ? 1.0 : 0.0)
        }
    }
}
