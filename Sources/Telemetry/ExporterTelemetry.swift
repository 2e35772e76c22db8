public import FlagEngine

/// The metric catalog of docs/metrics.md: one registry and the groups that own its families, one group per concern,
/// in the manner of node_exporter's collectors.
///
/// | group | families |
/// |---|---|
/// | ``config`` | checks of the source, reloads, breaker, staleness (read from FlagSync's status at scrape) |
/// | ``flags`` | the config in use: info, flags by state, per-flag info, percentages, weights, phases, alert thresholds |
/// | ``evaluations`` | evaluations, rollout hits and misses, errors, SRM p-values, evaluation latency |
/// | ``mirror`` | mirrored input refused, mirror mismatches |
/// | ``canaries`` | canary results |
/// | ``http`` | the exporter's HTTP server |
/// | ``push``, ``pubSub`` | the Pushgateway pusher and the Redis channel, registered only when in use |
/// | (process) | build info and `process_*` |
///
/// Each caller is handed the group it writes to. A scrape (``render(now:)``) asks the groups with scrape-time values
/// to collect them, which only reads, then writes the registry out.
public final class ExporterTelemetry: Sendable {
    /// The registry `/metrics` serves and the Pushgateway pusher pushes.
    let registry = MetricRegistry()
    /// Per-flag series are kept for the first this-many flags of the config; later flags fold into `__other__`.
    public let maximumFlagSeries: Int

    public let config: ConfigMetrics
    public let flags: FlagMetrics
    public let evaluations: EvaluationMetrics
    public let mirror: MirrorMetrics
    public let canaries: CanaryMetrics
    public let http: HTTPMetrics
    public let push: PushMetrics
    public let pubSub: PubSubMetrics
    private let process: ProcessCollector

    /// Creates the catalog on a new registry.
    public init(
        version: String, revision: String, swiftVersion: String, maximumFlagSeries: Int = 2000
    ) {
        self.maximumFlagSeries = max(1, maximumFlagSeries)
        config = ConfigMetrics(registry: registry)
        flags = FlagMetrics(registry: registry)
        evaluations = EvaluationMetrics(registry: registry, maximumFlagSeries: self.maximumFlagSeries)
        mirror = MirrorMetrics(registry: registry, maximumFlagSeries: self.maximumFlagSeries)
        canaries = CanaryMetrics(registry: registry)
        http = HTTPMetrics(registry: registry)
        push = PushMetrics(registry: registry)
        pubSub = PubSubMetrics(registry: registry)
        process = ProcessCollector(registry: registry, version: version, revision: revision, swiftVersion: swiftVersion)
    }

    /// Applies a newly loaded config to the groups with per-flag series: the config's own series, series of flags
    /// that left dropped, counters of the new flags at 0, a fresh SRM baseline.
    public func configure(_ flagSet: FlagSet, now: Double) {
        let labels = FlagSeriesLabels(flagSet: flagSet, maximumFlagSeries: maximumFlagSeries)
        flags.configure(labels, now: now)
        evaluations.configure(labels)
        mirror.configure(labels)
    }

    /// The text exposition (format 0.0.4), with every scrape-time value computed for `now`.
    public func render(now: Double) -> [UInt8] {
        let collectors: [any ScrapeTimeCollector] = [config, flags, evaluations, process]
        for collector in collectors { collector.collect(at: now) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
