public import FlagEngine
import Locking

/// What the config in use says: its identity, its flags by state, one info series per flag, configured rollout
/// percentages and split weights, phase progress and the config's alert thresholds.
///
/// Replaced as a whole when a config is applied (``configure(_:labels:now:)``); percentages that move with time
/// (gradual rollouts, and the phases they belong to) are computed at scrape time.
public final class FlagMetrics: ScrapeTimeCollector {
    private let registry: MetricRegistry
    private let activeFlags: [FlagState: Gauge]
    private let foldedFlags: Gauge
    private let state: Locked<State>

    struct State {
        var labels = FlagSeriesLabels(flagSet: nil, maximumFlagSeries: 1)
        var configInfo: Gauge?
        var gauges: [GaugeKey: Gauge] = [:]
    }

    enum GaugeKey: Hashable {
        case info(String)
        case rolloutPercentage(String)
        case variantWeight(String, String)
        case phase(Int)
        case alert(String)
    }

    init(registry: MetricRegistry) {
        self.registry = registry
        state = Locked(State())
        activeFlags = seriesByKey(FlagState.allCases) { flagState in
            registry.gauge(
                name: "feature_flag_active_flags", labels: [("state", flagState.rawValue)],
                help: "Flags loaded, by state.")
        }
        foldedFlags = registry.gauge(
            name: "feature_flag_metrics_folded_flags",
            help: "Flags past --metrics.max-flags whose per-flag series are folded into flag_key=\"__other__\".")
    }

    /// Replaces every series with those of the config in `labels`.
    func configure(_ labels: FlagSeriesLabels, now: Double) {
        guard let flagSet = labels.flagSet else { return }
        state.withLock { state in
            for gauge in state.gauges.values { registry.unregister(gauge) }
            state.gauges = [:]
            if let info = state.configInfo { registry.unregister(info) }
            let info = flagSet.info
            state.configInfo = makeGauge(
                "feature_flag_config_info",
                [
                    ("version", info.version), ("schema_version", info.schemaVersion), ("checksum", info.checksum),
                    ("environment", info.environment), ("source", info.source),
                ],
                "The config in use; always 1.", value: 1)
            for flagState in FlagState.allCases {
                activeFlags[flagState]?.set(Double(flagSet.definitions.count(where: { $0.state == flagState })))
            }
            foldedFlags.set(Double(max(0, flagSet.count - labels.maximumFlagSeries)))
            for (index, definition) in flagSet.definitions.enumerated() where index < labels.maximumFlagSeries {
                state.gauges[.info(definition.key)] = makeGauge(
                    "feature_flag_info",
                    [
                        ("flag_key", definition.key), ("state", definition.state.rawValue),
                        ("strategy", definition.effectiveStrategyName), ("phase", definition.phase.map(String.init) ?? ""),
                    ],
                    "One series per flag, for joins; always 1.", value: 1)
                state.gauges[.rolloutPercentage(definition.key)] = makeGauge(
                    "feature_flag_rollout_percentage", [("flag_key", definition.key)],
                    "Effective rollout percentage now, 0..100 (gradual rollouts move).",
                    value: flagSet.effectivePercentage(ofFlagAt: index, at: now))
                if definition.state == .rollout, case .split(let weights)? = definition.rollout?.strategy {
                    let total = weights.reduce(0) { $0 + $1.weight }
                    for weight in weights {
                        state.gauges[.variantWeight(definition.key, weight.variant)] = makeGauge(
                            "feature_flag_variant_weight_ratio",
                            [("flag_key", definition.key), ("variant", weight.variant)],
                            "Configured share of each variant of a split.", value: total > 0 ? weight.weight / total : 0)
                    }
                }
            }
            for (phase, progress) in Self.phaseProgress(flagSet, at: now) {
                state.gauges[.phase(phase)] = makeGauge(
                    "technical_debt_phase_progress", [("phase", String(phase))],
                    "0..100: mean exposure of the phase's flags (disabled 0, enabled 100, rollout its percentage).",
                    value: progress)
            }
            for (alert, threshold) in info.alertThresholds.sorted(by: { $0.key < $1.key }) {
                state.gauges[.alert(alert)] = makeGauge(
                    "feature_flag_alert_threshold", [("alert", alert)], "Thresholds from the config's alerts: section.",
                    value: threshold)
            }
            state.labels = labels
        }
    }

    func collect(at now: Double) {
        state.withLock { state in
            guard let flagSet = state.labels.flagSet else { return }
            // Fields read in place: a copy of each FlagDefinition per scrape would retain all of its members.
            let definitions = flagSet.definitions
            for index in definitions.indices.prefix(state.labels.maximumFlagSeries) {
                state.gauges[.rolloutPercentage(definitions[index].key)]?
                    .set(flagSet.effectivePercentage(ofFlagAt: index, at: now))
            }
            for (phase, progress) in Self.phaseProgress(flagSet, at: now) {
                state.gauges[.phase(phase)]?.set(progress)
            }
        }
    }

    /// The mean exposure per phase: disabled 0, enabled 100, rollout its effective percentage.
    public static func phaseProgress(_ flagSet: FlagSet, at time: Double) -> [(phase: Int, progress: Double)] {
        var sums: [Int: (total: Double, count: Int)] = [:]
        let definitions = flagSet.definitions
        for index in definitions.indices {
            guard let phase = definitions[index].phase else { continue }
            sums[phase, default: (0, 0)].total += flagSet.effectivePercentage(ofFlagAt: index, at: time)
            sums[phase, default: (0, 0)].count += 1
        }
        return sums.keys.sorted().map { phase in
            let entry = sums[phase]!
            return (phase, entry.total / Double(entry.count))
        }
    }

    private func makeGauge(_ name: String, _ labels: [(String, String)], _ help: String, value: Double) -> Gauge {
        let gauge = registry.gauge(name: name, labels: labels, help: help)
        gauge.set(value)
        return gauge
    }
}
