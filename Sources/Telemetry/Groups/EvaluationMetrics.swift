import FlagEngine
import Locking

/// Evaluations by flag, variant, reason and source; rollout hits and misses (realised shares); evaluation errors;
/// each split's sample-ratio-mismatch p-value; and sampled evaluation latency.
///
/// Drivers never touch a series per evaluation: they count into their own ``EvaluationTally`` and hand it over with
/// ``flush(_:source:)``, one lock per batch. The SRM p-values are computed at scrape time from the realised counts
/// since the last config change.
public final class EvaluationMetrics: ScrapeTimeCollector {
    private let registry: MetricRegistry
    private let durations: [EvaluationSource: Histogram]
    private let state: Locked<State>

    struct State {
        var labels: FlagSeriesLabels
        var evaluations: [EvaluationKey: Counter] = [:]
        var rollouts: [RolloutKey: Counter] = [:]
        var errors: [ErrorKey: Counter] = [:]
        var splitCounts: [SplitKey: [UInt64]] = [:]
        var srmPValues: [SplitKey: Gauge] = [:]
    }

    struct EvaluationKey: Hashable {
        var flag: String
        var variant: String
        var reason: EvaluationReason
        var source: EvaluationSource
    }

    struct RolloutKey: Hashable {
        var flag: String
        var outcome: RolloutOutcome
        var source: EvaluationSource
    }

    struct ErrorKey: Hashable {
        var flag: String
        var errorType: EvaluationErrorType
        var source: EvaluationSource
    }

    struct SplitKey: Hashable {
        var flag: String
        var source: EvaluationSource
    }

    init(registry: MetricRegistry, maximumFlagSeries: Int) {
        self.registry = registry
        state = Locked(State(labels: FlagSeriesLabels(flagSet: nil, maximumFlagSeries: maximumFlagSeries)))
        // The sources the exporter evaluates itself (the application's reported decisions take no time of ours).
        durations = seriesByKey([EvaluationSource.synthetic, .canary, .mirror]) { source in
            registry.histogram(
                name: "feature_flag_evaluation_duration_seconds", labels: [("source", source.rawValue)],
                buckets: [1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 1e-4, 1e-3, 1e-2],
                help: "Per-evaluation latency, sampled.")
        }
    }

    /// Drops the series of flags that left the config, creates at 0 those the new flags can move, and starts a fresh
    /// SRM baseline.
    func configure(_ labels: FlagSeriesLabels) {
        state.withLock { state in
            for (key, counter) in state.evaluations where !labels.keeps(key.flag) {
                registry.unregister(counter)
                state.evaluations[key] = nil
            }
            for (key, counter) in state.rollouts where !labels.keeps(key.flag) {
                registry.unregister(counter)
                state.rollouts[key] = nil
            }
            for (key, counter) in state.errors where !labels.keeps(key.flag) {
                registry.unregister(counter)
                state.errors[key] = nil
            }
            for gauge in state.srmPValues.values { registry.unregister(gauge) }
            state.srmPValues = [:]
            state.splitCounts = [:]
            state.labels = labels
            for definition in (labels.flagSet?.definitions ?? []).prefix(labels.maximumFlagSeries) {
                initialiseCounters(&state, for: definition)
            }
        }
    }

    /// Adds a driver's counts to the shared series and clears them.
    public func flush(_ tally: inout EvaluationTally, source: EvaluationSource) {
        guard tally.pending > 0 || !tally.durationSamples.isEmpty else { return }
        let flagSet = tally.flagSet
        let reasonCount = EvaluationTally.reasonCount
        state.withLock { state in
            // Split counts from an older config would mix two sets of weights in one SRM test.
            let sameConfig = state.labels.flagSet?.info.checksum == flagSet.info.checksum
            let maximum = state.labels.maximumFlagSeries
            for (flagIndex, definition) in flagSet.definitions.enumerated() {
                let flagLabel = state.labels.label(forFlagAt: flagIndex, key: definition.key)
                let countsSplit = sameConfig && flagIndex < maximum && definition.state == .rollout
                    && { if case .split? = definition.rollout?.strategy { true } else { false } }()
                for variantIndex in definition.variants.indices {
                    let base = (flagIndex * tally.variantStride + variantIndex) * reasonCount
                    for reasonIndex in 0..<reasonCount {
                        let count = tally.evaluations(at: base + reasonIndex)
                        guard count > 0 else { continue }
                        let reason = EvaluationTally.reasons[reasonIndex]
                        let key = EvaluationKey(
                            flag: flagLabel, variant: definition.variants[variantIndex].name, reason: reason, source: source)
                        evaluationCounter(&state, key).increment(by: Int64(clamping: count))
                        if countsSplit && reason == .split {
                            let splitKey = SplitKey(flag: definition.key, source: source)
                            state.splitCounts[splitKey, default: Array(repeating: 0, count: definition.variants.count)][
                                variantIndex] += count
                        }
                    }
                }
                let rollout = tally.rolloutCounts(flagAt: flagIndex)
                if rollout.hits > 0 {
                    rolloutCounter(&state, RolloutKey(flag: flagLabel, outcome: .hit, source: source))
                        .increment(by: Int64(clamping: rollout.hits))
                }
                if rollout.misses > 0 {
                    rolloutCounter(&state, RolloutKey(flag: flagLabel, outcome: .miss, source: source))
                        .increment(by: Int64(clamping: rollout.misses))
                }
                let conditionErrors = tally.conditionErrors(flagAt: flagIndex)
                if conditionErrors > 0 {
                    errorCounter(&state, ErrorKey(flag: flagLabel, errorType: .typeMismatch, source: source))
                        .increment(by: Int64(clamping: conditionErrors))
                }
            }
        }
        if let histogram = durations[source] {
            for sample in tally.durationSamples { histogram.record(sample) }
        }
        tally.clear()
    }

    /// Counts a mirrored evaluation of a flag the config does not have.
    public func recordUnknownFlag(source: EvaluationSource) {
        state.withLock { state in
            let flag = FlagSeriesLabels.unknown
            evaluationCounter(&state, EvaluationKey(flag: flag, variant: "default", reason: .flagNotFound, source: source))
                .increment()
            errorCounter(&state, ErrorKey(flag: flag, errorType: .flagNotFound, source: source)).increment()
        }
    }

    /// Counts an evaluation error that is not a condition type error (for example an invalid context).
    public func recordError(flagKey: String, errorType: EvaluationErrorType, source: EvaluationSource) {
        state.withLock { state in
            errorCounter(&state, ErrorKey(flag: state.labels.label(for: flagKey), errorType: errorType, source: source))
                .increment()
        }
    }

    /// The realised split counts since the last config change (for tests and `simulate`).
    public func splitCounts(flagKey: String, source: EvaluationSource) -> [UInt64]? {
        state.withLock { $0.splitCounts[SplitKey(flag: flagKey, source: source)] }
    }

    func collect(at now: Double) {
        state.withLock { state in
            guard let flagSet = state.labels.flagSet else { return }
            for (key, counts) in state.splitCounts {
                guard let definition = flagSet.definition(key.flag), case .split(let weights)? = definition.rollout?.strategy
                else { continue }
                let shares = definition.variants.map { variant in
                    weights.first(where: { $0.variant == variant.name })?.weight ?? 0
                }
                cachedSeries(&state.srmPValues, key) {
                    registry.gauge(
                        name: "feature_flag_split_srm_p_value",
                        labels: [("flag_key", key.flag), ("source", key.source.rawValue)],
                        help: "Chi-square p-value of the realised split against its weights since the last config change.")
                }.set(ChiSquare.pValue(observed: counts, expectedShares: shares))
            }
        }
    }

    /// Creates, at 0, the counters a flag can move, so that panels show 0 rather than "No data" and the first
    /// `rate()` sees the first increment: its condition type errors (flags with rules) and the `in` and `out` of its
    /// rollout (flags in `rollout` state).
    private func initialiseCounters(_ state: inout State, for definition: FlagDefinition) {
        if !definition.targetingRules.isEmpty {
            for source in [EvaluationSource.synthetic, .canary, .mirror] {
                _ = errorCounter(&state, ErrorKey(flag: definition.key, errorType: .typeMismatch, source: source))
            }
        }
        if definition.state == .rollout {
            for source in [EvaluationSource.synthetic, .mirror, .mirrorObserved] {
                for outcome in RolloutOutcome.allCases {
                    _ = rolloutCounter(&state, RolloutKey(flag: definition.key, outcome: outcome, source: source))
                }
            }
        }
    }

    private func evaluationCounter(_ state: inout State, _ key: EvaluationKey) -> Counter {
        cachedSeries(&state.evaluations, key) {
            registry.counter(
                name: "feature_flag_evaluations_total",
                labels: [
                    ("flag_key", key.flag), ("variant", key.variant), ("reason", key.reason.rawValue),
                    ("source", key.source.rawValue),
                ],
                help: "Flag evaluations, by flag, variant, reason and source.")
        }
    }

    private func rolloutCounter(_ state: inout State, _ key: RolloutKey) -> Counter {
        cachedSeries(&state.rollouts, key) {
            registry.counter(
                name: "feature_flag_rollout_evaluations_total",
                labels: [("flag_key", key.flag), ("outcome", key.outcome.rawValue), ("source", key.source.rawValue)],
                help: "Evaluations that reached the rollout step; realised share = in / (in + out).")
        }
    }

    private func errorCounter(_ state: inout State, _ key: ErrorKey) -> Counter {
        cachedSeries(&state.errors, key) {
            registry.counter(
                name: "feature_flag_errors_total",
                labels: [("flag_key", key.flag), ("error_type", key.errorType.rawValue), ("source", key.source.rawValue)],
                help: "Evaluation errors: condition type errors, unknown flags in mirrored requests.")
        }
    }
}
