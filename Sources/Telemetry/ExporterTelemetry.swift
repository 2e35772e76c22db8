public import FlagEngine
public import Prometheus
import Locking

/// The metric catalog of docs/metrics.md as code: every family the exporter serves, the series behind it, and the
/// scrape-time values.
///
/// Evaluation drivers never touch a series per evaluation: they count into their own ``EvaluationTally`` and hand
/// it over with ``flush(_:source:)``, which takes one lock per batch. Values that depend on the time of the scrape
/// (staleness, effective rollout percentages, SRM p-values, process metrics) are computed in ``render(now:)``.
public final class ExporterTelemetry: Sendable {
    /// The registry `/metrics` serves and the Pushgateway pusher pushes.
    public let registry: PrometheusCollectorRegistry
    /// Per-flag series are kept for the first this-many flags of the config; later flags fold into `__other__`.
    public let maximumFlagSeries: Int

    private let state: Locked<State>

    // Config lifecycle.
    private let refreshSuccess: Counter
    private let refreshFailures: [RefreshErrorType: Counter]
    private let refreshDuration: ValueHistogram
    private let lastRefresh: Gauge
    private let lastChange: Gauge
    private let staleConfig: Gauge
    private let staleThreshold: Gauge
    private let breakerState: Gauge
    private let breakerTransitions: [String: Counter]
    private let reloads: [String: Counter]
    private let activeFlags: [FlagState: Gauge]
    private let foldedFlags: Gauge
    // Evaluations.
    private let evaluationDurations: [EvaluationSource: ValueHistogram]
    private let mirrorDropped: [MirrorDropReason: Counter]
    private let httpRefused: [HTTPRefusalReason: Counter]
    private let httpConnections: Gauge
    // The exporter itself.
    private let processCPU: Counter
    private let processResident: Gauge
    private let processVirtual: Gauge
    private let processOpenFDs: Gauge
    private let processMaxFDs: Gauge
    private let processStart: Gauge

    /// The label that per-flag series of flags past ``maximumFlagSeries`` share.
    public static let otherFlag = "__other__"
    /// The label under which mirrored requests for flags the config does not have are counted.
    public static let unknownFlag = "__unknown__"

    /// Creates the catalog on a new registry.
    public init(
        version: String, revision: String, swiftVersion: String, maximumFlagSeries: Int = 2000,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.registry = registry
        self.maximumFlagSeries = max(1, maximumFlagSeries)
        state = Locked(State())

        refreshSuccess = registry.counter(
            name: "feature_flag_refresh_success_total",
            help: "Checks of the config source that succeeded, including not modified.")
        refreshFailures = Self.series(for: RefreshErrorType.allCases) { type in
            registry.counter(
                name: "feature_flag_refresh_failure_total", labels: [("error_type", type.rawValue)],
                help: "Failed checks of the config source, by error type.")
        }
        refreshDuration = registry.valueHistogram(
            name: "feature_flag_refresh_duration_seconds",
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            help: "Duration of one check of the config source.")
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
        breakerTransitions = Self.series(for: ["closed", "open", "half_open"]) { target in
            registry.counter(
                name: "feature_flag_circuit_breaker_transitions_total", labels: [("to", target)],
                help: "Circuit breaker transitions, by the state entered.")
        }
        reloads = Self.series(for: ["success", "failure"]) { status in
            registry.counter(
                name: "feature_flag_config_reloads_total", labels: [("status", status)],
                help: "New config content applied (success) or rejected (failure).")
        }
        activeFlags = Self.series(for: FlagState.allCases) { flagState in
            registry.gauge(
                name: "feature_flag_active_flags", labels: [("state", flagState.rawValue)],
                help: "Flags loaded, by state.")
        }
        foldedFlags = registry.gauge(
            name: "feature_flag_metrics_folded_flags",
            help: "Flags past --metrics.max-flags whose per-flag series are folded into flag_key=\"__other__\".")

        // The sources the exporter evaluates itself (the application's reported decisions take no time of ours).
        evaluationDurations = Self.series(for: [EvaluationSource.synthetic, .canary, .mirror]) { source in
            registry.valueHistogram(
                name: "feature_flag_evaluation_duration_seconds", labels: [("source", source.rawValue)],
                buckets: [1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 1e-4, 1e-3, 1e-2],
                help: "Per-evaluation latency, sampled.")
        }
        mirrorDropped = Self.series(for: MirrorDropReason.allCases) { reason in
            registry.counter(
                name: "feature_flag_mirror_dropped_total", labels: [("reason", reason.rawValue)],
                help: "Mirrored input refused: malformed, too_large, rate_limited.")
        }
        httpRefused = Self.series(for: HTTPRefusalReason.allCases) { reason in
            registry.counter(
                name: "feature_flag_exporter_http_refused_total", labels: [("reason", reason.rawValue)],
                help: "HTTP connections and requests the server refused, by the limit or check that refused them.")
        }
        httpConnections = registry.gauge(
            name: "feature_flag_exporter_http_connections", help: "HTTP connections open now.")

        registry.gauge(
            name: "feature_flag_exporter_build_info",
            labels: [("version", version), ("revision", revision), ("swift_version", swiftVersion)],
            help: "Build information of the exporter; always 1."
        ).set(to: 1.0)
        processCPU = registry.counter(
            name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.")
        processResident = registry.gauge(
            name: "process_resident_memory_bytes", help: "Resident memory size in bytes.")
        processVirtual = registry.gauge(
            name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.")
        processOpenFDs = registry.gauge(name: "process_open_fds", help: "Number of open file descriptors.")
        processMaxFDs = registry.gauge(
            name: "process_max_fds", help: "Maximum number of open file descriptors.")
        processStart = registry.gauge(
            name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.")
    }

    /// One series per key, made by `make` (the families whose label values are known up front).
    private static func series<Key: Hashable, Series>(for keys: some Sequence<Key>, _ make: (Key) -> Series)
        -> [Key: Series]
    {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, make($0)) })
    }

    // MARK: - Config

    /// Applies a newly loaded config: its info, its per-flag series, and a fresh SRM baseline.
    ///
    /// - Parameter contentChanged: whether the effective content differs from the config in use before (sets
    ///   `feature_flag_last_change_timestamp_seconds` to `now`).
    public func configure(_ flagSet: FlagSet, contentChanged: Bool, now: Double) {
        state.withLock { state in
            let keys = flagSet.definitions.map(\.key)
            let retained = Set(keys.prefix(maximumFlagSeries))
            // Series of flags that left the config go with them.
            for (key, counter) in state.evaluationCounters
            where !retained.contains(key.flag) && key.flag != Self.unknownFlag
                && key.flag != Self.otherFlag
            {
                registry.unregisterCounter(counter)
                state.evaluationCounters[key] = nil
            }
            for (key, counter) in state.rolloutCounters where !retained.contains(key.flag) && key.flag != Self.otherFlag
            {
                registry.unregisterCounter(counter)
                state.rolloutCounters[key] = nil
            }
            for (key, counter) in state.errorCounters
            where !retained.contains(key.flag)
                && key.flag != Self.unknownFlag && key.flag != Self.otherFlag
            {
                registry.unregisterCounter(counter)
                state.errorCounters[key] = nil
            }
            for (key, counter) in state.mismatchCounters where !retained.contains(key) && key != Self.otherFlag {
                registry.unregisterCounter(counter)
                state.mismatchCounters[key] = nil
            }
            for gauge in state.flagGauges.values { registry.unregisterGauge(gauge) }
            state.flagGauges = [:]
            for gauge in state.srmGauges.values { registry.unregisterGauge(gauge) }
            state.srmGauges = [:]
            state.srmCounts = [:]
            if let info = state.configInfo { registry.unregisterGauge(info) }

            let info = flagSet.info
            let configInfo = registry.gauge(
                name: "feature_flag_config_info",
                labels: [
                    ("version", info.version), ("schema_version", info.schemaVersion), ("checksum", info.checksum),
                    ("environment", info.environment), ("source", info.source),
                ],
                help: "The config in use; always 1.")
            configInfo.set(to: 1.0)
            state.configInfo = configInfo

            for flagState in FlagState.allCases {
                activeFlags[flagState]?.set(Double(flagSet.definitions.count(where: { $0.state == flagState })))
            }
            foldedFlags.set(Double(max(0, flagSet.count - maximumFlagSeries)))

            for (index, definition) in flagSet.definitions.enumerated() where index < maximumFlagSeries {
                let strategy = definition.effectiveStrategyName
                initialiseCounters(&state, for: definition)
                state.flagGauges[.info(definition.key)] = makeGauge(
                    "feature_flag_info",
                    [
                        ("flag_key", definition.key), ("state", definition.state.rawValue), ("strategy", strategy),
                        ("phase", definition.phase.map(String.init) ?? ""),
                    ],
                    "One series per flag, for joins; always 1.", value: 1)
                state.flagGauges[.rolloutPercentage(definition.key)] = makeGauge(
                    "feature_flag_rollout_percentage", [("flag_key", definition.key)],
                    "Effective rollout percentage now, 0..100 (gradual rollouts move).",
                    value: flagSet.effectivePercentage(ofFlagAt: index, at: now))
                if definition.state == .rollout, case .split(let weights)? = definition.rollout?.strategy {
                    let total = weights.reduce(0) { $0 + $1.weight }
                    for weight in weights {
                        state.flagGauges[.variantWeight(definition.key, weight.variant)] = makeGauge(
                            "feature_flag_variant_weight_ratio",
                            [("flag_key", definition.key), ("variant", weight.variant)],
                            "Configured share of each variant of a split.",
                            value: total > 0 ? weight.weight / total : 0)
                    }
                }
            }
            for (phase, _) in Self.phaseProgress(flagSet, at: now) {
                state.flagGauges[.phase(phase)] = makeGauge(
                    "technical_debt_phase_progress", [("phase", String(phase))],
                    "0..100: mean exposure of the phase's flags (disabled 0, enabled 100, rollout its percentage).",
                    value: 0)
            }
            for (alert, threshold) in info.alertThresholds.sorted(by: { $0.key < $1.key }) {
                state.flagGauges[.alert(alert)] = makeGauge(
                    "feature_flag_alert_threshold", [("alert", alert)],
                    "Thresholds from the config's alerts: section.", value: threshold)
            }
            state.flagSet = flagSet
            if contentChanged || state.lastChange == nil {
                state.lastChange = now
                lastChange.set(now)
            }
        }
    }

    private func makeGauge(_ name: String, _ labels: [(String, String)], _ help: String, value: Double) -> Gauge {
        let gauge = registry.gauge(name: name, labels: labels, help: help)
        gauge.set(value)
        return gauge
    }

    /// The mean exposure per phase: disabled 0, enabled 100, rollout its effective percentage.
    public static func phaseProgress(_ flagSet: FlagSet, at time: Double) -> [(phase: Int, progress: Double)] {
        var sums: [Int: (total: Double, count: Int)] = [:]
        for (index, definition) in flagSet.definitions.enumerated() {
            guard let phase = definition.phase else { continue }
            let exposure = flagSet.effectivePercentage(ofFlagAt: index, at: time)
            sums[phase, default: (0, 0)].total += exposure
            sums[phase, default: (0, 0)].count += 1
        }
        return sums.keys.sorted().map { phase in
            let entry = sums[phase]!
            return (phase, entry.total / Double(entry.count))
        }
    }

    /// Records one check of the config source.
    public func recordRefresh(success: Bool, errorType: RefreshErrorType? = nil, durationSeconds: Double, at time: Double) {
        refreshDuration.record(durationSeconds)
        if success {
            refreshSuccess.increment()
            lastRefresh.set(time)
        } else {
            refreshFailures[errorType ?? .io]?.increment()
        }
        state.withLock { state in
            if success { state.lastRefresh = time }
            state.consecutiveRefreshFailures = success ? 0 : state.consecutiveRefreshFailures + 1
        }
    }

    /// Records new config content applied or rejected.
    public func recordReload(success: Bool) {
        reloads[success ? "success" : "failure"]?.increment()
    }

    /// Sets the staleness threshold (seconds since the last successful check).
    public func setStaleThreshold(seconds: Double) {
        staleThreshold.set(seconds)
        state.withLock { $0.staleThreshold = seconds }
    }

    /// The freshness of the config in use, as `/health` reports it.
    public func freshness(now: Double) -> Freshness {
        state.withLock { state in
            let age = state.lastRefresh.map { now - $0 }
            return Freshness(
                lastRefresh: state.lastRefresh, lastChange: state.lastChange, ageSeconds: age,
                stale: age.map { $0 > state.staleThreshold } ?? true,
                consecutiveFailures: state.consecutiveRefreshFailures)
        }
    }

    /// What `/health` and the staleness gauge are computed from.
    public struct Freshness: Sendable, Hashable {
        public var lastRefresh: Double?
        public var lastChange: Double?
        public var ageSeconds: Double?
        public var stale: Bool
        public var consecutiveFailures: Int
    }

    // MARK: - Evaluations

    /// Adds a driver's counts to the shared series and clears them.
    public func flush(_ tally: inout EvaluationTally, source: EvaluationSource) {
        guard tally.pending > 0 || !tally.durationSamples.isEmpty else { return }
        let flagSet = tally.flagSet
        let definitions = flagSet.definitions
        let reasonCount = EvaluationTally.reasonCount
        state.withLock { state in
            let sameConfig = state.flagSet?.info.checksum == flagSet.info.checksum
            for (flagIndex, definition) in definitions.enumerated() {
                let flagLabel = flagIndex < maximumFlagSeries ? definition.key : Self.otherFlag
                let isSplit: Bool
                if case .split? = definition.rollout?.strategy, definition.state == .rollout {
                    isSplit = flagIndex < maximumFlagSeries
                } else {
                    isSplit = false
                }
                for variantIndex in definition.variants.indices {
                    let base = (flagIndex * tally.variantStride + variantIndex) * reasonCount
                    for reasonIndex in 0..<reasonCount {
                        let count = tally.evaluations(at: base + reasonIndex)
                        guard count > 0 else { continue }
                        let reason = EvaluationTally.reasons[reasonIndex]
                        evaluationCounter(
                            &state,
                            EvaluationKey(
                                flag: flagLabel, variant: definition.variants[variantIndex].name, reason: reason,
                                source: source)
                        ).increment(by: Int64(clamping: count))
                        if isSplit && sameConfig && reason == .split {
                            let key = SRMKey(flag: definition.key, source: source)
                            var counts = state.srmCounts[key] ?? Array(repeating: 0, count: definition.variants.count)
                            counts[variantIndex] += count
                            state.srmCounts[key] = counts
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
        if let histogram = evaluationDurations[source] {
            for sample in tally.durationSamples { histogram.record(sample) }
        }
        tally.clear()
    }

    /// Counts a mirrored evaluation of a flag the config does not have.
    public func recordUnknownFlag(source: EvaluationSource) {
        state.withLock { state in
            evaluationCounter(
                &state,
                EvaluationKey(flag: Self.unknownFlag, variant: "default", reason: .flagNotFound, source: source)
            ).increment()
            errorCounter(&state, ErrorKey(flag: Self.unknownFlag, errorType: .flagNotFound, source: source))
                .increment()
        }
    }

    /// Counts an evaluation error that is not a condition type error (for example an invalid context).
    public func recordError(flagKey: String, errorType: EvaluationErrorType, source: EvaluationSource) {
        state.withLock { state in
            errorCounter(&state, ErrorKey(flag: label(for: flagKey, in: state), errorType: errorType, source: source))
                .increment()
        }
    }

    /// Counts a mirrored evaluation whose observed variant differs from ours.
    public func recordMirrorMismatch(flagKey: String) {
        state.withLock { state in
            mismatchCounter(&state, label(for: flagKey, in: state)).increment()
        }
    }

    /// Counts refused mirror input.
    public func recordMirrorDropped(_ reason: MirrorDropReason) {
        mirrorDropped[reason]?.increment()
    }

    /// Counts one connection or request refused by a server limit or check.
    public func recordHTTPRefused(_ reason: HTTPRefusalReason) {
        httpRefused[reason]?.increment()
    }

    /// Sets the number of open HTTP connections.
    public func setHTTPConnections(_ count: Int) {
        httpConnections.set(to: Double(count))
    }

    /// Registers `feature_flag_exporter_web_config_last_reload_successful` (exporters started with
    /// `--web.config.file`) and sets it.
    public func setWebConfigReloadSuccessful(_ successful: Bool) {
        state.withLock { state in
            if state.webConfigReload == nil {
                state.webConfigReload = registry.gauge(
                    name: "feature_flag_exporter_web_config_last_reload_successful",
                    help: "1 if the last read of --web.config.file (and its certificate files) succeeded; "
                        + "0 while the previous good one is still in use.")
            }
            state.webConfigReload?.set(to: successful ? 1.0 : 0.0)
        }
    }

    /// Sets a canary's result.
    public func recordCanary(name: String, flagKey: String, success: Bool) {
        state.withLock { state in
            Self.cached(&state.canaryGauges, CanaryKey(name: name, flag: flagKey)) {
                registry.gauge(
                    name: "feature_flag_canary_success", labels: [("canary", name), ("flag_key", flagKey)],
                    help: "1 if the canary's last check returned its expected variant.")
            }.set(to: success ? 1.0 : 0.0)
        }
    }

    /// Drops canary series that are no longer configured.
    public func retainCanaries(_ names: Set<String>) {
        state.withLock { state in
            for (key, gauge) in state.canaryGauges where !names.contains(key.name) {
                registry.unregisterGauge(gauge)
                state.canaryGauges[key] = nil
            }
        }
    }

    /// Counts one HTTP request.
    public func recordRequest(handler: String, code: Int, durationSeconds: Double) {
        state.withLock { state in
            Self.cached(&state.requestCounters, RequestKey(handler: handler, code: code)) {
                registry.counter(
                    name: "feature_flag_exporter_http_requests_total",
                    labels: [("handler", handler), ("code", String(code))], help: "HTTP requests served.")
            }.increment()
            Self.cached(&state.requestDurations, handler) {
                registry.valueHistogram(
                    name: "feature_flag_exporter_http_request_duration_seconds", labels: [("handler", handler)],
                    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
                    help: "HTTP request latency.")
            }.record(durationSeconds)
        }
    }

    private func label(for flagKey: String, in state: State) -> String {
        guard let flagSet = state.flagSet, let index = flagSet.index(of: flagKey) else { return Self.unknownFlag }
        return index < maximumFlagSeries ? flagKey : Self.otherFlag
    }

    /// The series under `key` in `cache`, made (and registered) on first use.
    private static func cached<Key: Hashable, Metric>(
        _ cache: inout [Key: Metric], _ key: Key, make: () -> Metric
    )
        -> Metric
    {
        if let existing = cache[key] { return existing }
        let made = make()
        cache[key] = made
        return made
    }

    private func evaluationCounter(_ state: inout State, _ key: EvaluationKey) -> Counter {
        Self.cached(&state.evaluationCounters, key) {
            registry.counter(
                name: "feature_flag_evaluations_total",
                labels: [
                    ("flag_key", key.flag), ("variant", key.variant), ("reason", key.reason.rawValue),
                    ("source", key.source.rawValue),
                ],
                help: "Flag evaluations, by flag, variant, reason and source.")
        }
    }

    /// Creates, at 0, the counters a flag can move, so that panels show 0 rather than "No data" and the first
    /// `rate()` sees the first increment: its condition type errors (flags with rules), the `in` and `out` of its
    /// rollout (flags in `rollout` state), and its mirror mismatches. Called for flags within `--metrics.max-flags`.
    private func initialiseCounters(_ state: inout State, for definition: FlagDefinition) {
        let key = definition.key
        if !definition.targetingRules.isEmpty {
            for source in [EvaluationSource.synthetic, .canary, .mirror] {
                _ = errorCounter(&state, ErrorKey(flag: key, errorType: .typeMismatch, source: source))
            }
        }
        if definition.state == .rollout {
            for source in [EvaluationSource.synthetic, .mirror, .mirrorObserved] {
                for outcome in [RolloutOutcome.hit, .miss] { _ = rolloutCounter(&state, RolloutKey(flag: key, outcome: outcome, source: source)) }
            }
        }
        _ = mismatchCounter(&state, key)
    }

    private func mismatchCounter(_ state: inout State, _ flag: String) -> Counter {
        Self.cached(&state.mismatchCounters, flag) {
            registry.counter(
                name: "feature_flag_mirror_mismatch_total", labels: [("flag_key", flag)],
                help: "Mirrored evaluations whose observed variant differs from ours.")
        }
    }

    private func rolloutCounter(_ state: inout State, _ key: RolloutKey) -> Counter {
        Self.cached(&state.rolloutCounters, key) {
            registry.counter(
                name: "feature_flag_rollout_evaluations_total",
                labels: [("flag_key", key.flag), ("outcome", key.outcome.rawValue), ("source", key.source.rawValue)],
                help: "Evaluations that reached the rollout step; realised share = in / (in + out).")
        }
    }

    private func errorCounter(_ state: inout State, _ key: ErrorKey) -> Counter {
        Self.cached(&state.errorCounters, key) {
            registry.counter(
                name: "feature_flag_errors_total",
                labels: [("flag_key", key.flag), ("error_type", key.errorType.rawValue), ("source", key.source.rawValue)],
                help: "Evaluation errors: condition type errors, unknown flags in mirrored requests.")
        }
    }

    // MARK: - Scrape

    /// The text exposition (format 0.0.4), with every scrape-time value computed for `now`.
    public func render(now: Double) -> [UInt8] {
        state.withLock { state in
            if let flagSet = state.flagSet {
                for (index, definition) in flagSet.definitions.enumerated() where index < maximumFlagSeries {
                    state.flagGauges[.rolloutPercentage(definition.key)]?.set(
                        flagSet.effectivePercentage(ofFlagAt: index, at: now))
                }
                for (phase, progress) in Self.phaseProgress(flagSet, at: now) {
                    state.flagGauges[.phase(phase)]?.set(progress)
                }
                for (key, counts) in state.srmCounts {
                    guard let definition = flagSet.definition(key.flag),
                        case .split(let weights)? = definition.rollout?.strategy
                    else { continue }
                    let shares = definition.variants.map { variant in
                        weights.first(where: { $0.variant == variant.name })?.weight ?? 0
                    }
                    Self.cached(&state.srmGauges, key) {
                        registry.gauge(
                            name: "feature_flag_split_srm_p_value",
                            labels: [("flag_key", key.flag), ("source", key.source.rawValue)],
                            help:
                                "Chi-square p-value of the realised split against its weights since the last config change."
                        )
                    }.set(ChiSquare.pValue(observed: counts, expectedShares: shares))
                }
            }
            let age = state.lastRefresh.map { now - $0 }
            staleConfig.set(to: Double(age.map { $0 > state.staleThreshold } ?? true ? 1 : 0))
        }
        if let process = ProcessMetrics.current() {
            processCPU.reset()
            processCPU.increment(by: process.cpuSeconds)
            processResident.set(process.residentMemoryBytes)
            processVirtual.set(process.virtualMemoryBytes)
            processOpenFDs.set(process.openFileDescriptors)
            processMaxFDs.set(process.maximumFileDescriptors)
            processStart.set(process.startTimeSeconds)
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }

    /// The circuit breaker's state as the gauge encodes it: 0 closed, 1 open, 2 half-open.
    public func setBreakerState(_ value: Int, transitionedTo target: String?) {
        breakerState.set(Double(value))
        if let target { breakerTransitions[target]?.increment() }
    }

    /// Registers the Redis subscriber's series (only exporters that subscribe have them).
    public func enablePubSubMetrics() {
        state.withLock { state in
            guard state.pubSub == nil else { return }
            state.pubSub = PubSubMetrics(
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
    public func setPubSubConnected(_ connected: Bool) {
        state.withLock { $0.pubSub?.connected.set(connected ? 1.0 : 0.0) }
    }

    /// Counts a message on the refresh channel.
    public func recordPubSubMessage() {
        state.withLock { $0.pubSub?.messages.increment() }
    }

    /// Counts a resubscription after a lost connection.
    public func recordPubSubReconnect() {
        state.withLock { $0.pubSub?.reconnects.increment() }
    }

    /// The error types of `feature_flag_push_failure_total`, exposed at 0 once pushing is on.

    /// Registers the pusher's series (only exporters that push to a Pushgateway have them).
    public func enablePushMetrics() {
        state.withLock { state in
            guard state.push == nil else { return }
            state.push = PushMetrics(
                successes: registry.counter(
                    name: "feature_flag_push_success_total", help: "Pushes the Pushgateway accepted."),
                failures: Self.series(for: PushErrorType.allCases) { type in
                    registry.counter(
                        name: "feature_flag_push_failure_total", labels: [("error_type", type.rawValue)],
                        help: "Pushes that failed after their retries, by error type.")
                },
                duration: registry.valueHistogram(
                    name: "feature_flag_push_duration_seconds",
                    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
                    help: "Duration of one push, retries and the waits between them included."),
                lastPush: registry.gauge(
                    name: "feature_flag_last_push_timestamp_seconds",
                    help: "Unix time of the last push the Pushgateway accepted."))
        }
    }

    /// Counts one push (after its retries): accepted, or failed with `errorType`.
    public func recordPush(success: Bool, errorType: PushErrorType? = nil, durationSeconds: Double, at time: Double) {
        state.withLock { state in
            guard let push = state.push else { return }
            push.duration.record(durationSeconds)
            if success {
                push.successes.increment()
                push.lastPush.set(time)
            } else {
                push.failures[errorType ?? .connection]?.increment()
            }
        }
    }

    struct PushMetrics: Sendable {
        let successes: Counter
        let failures: [PushErrorType: Counter]
        let duration: ValueHistogram
        let lastPush: Gauge
    }

    struct PubSubMetrics: Sendable {
        let connected: Gauge
        let messages: Counter
        let reconnects: Counter
    }

    /// The realised split counts since the last config change (for tests and `simulate`).
    public func splitCounts(flagKey: String, source: EvaluationSource) -> [UInt64]? {
        state.withLock { $0.srmCounts[SRMKey(flag: flagKey, source: source)] }
    }
}

extension ExporterTelemetry {
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

    struct SRMKey: Hashable {
        var flag: String
        var source: EvaluationSource
    }

    struct CanaryKey: Hashable {
        var name: String
        var flag: String
    }

    struct RequestKey: Hashable {
        var handler: String
        var code: Int
    }

    enum FlagGaugeKey: Hashable {
        case info(String)
        case rolloutPercentage(String)
        case variantWeight(String, String)
        case phase(Int)
        case alert(String)
    }

    struct State: Sendable {
        var pubSub: PubSubMetrics?
        var push: PushMetrics?
        var webConfigReload: Gauge?
        var flagSet: FlagSet?
        var lastRefresh: Double?
        var lastChange: Double?
        var staleThreshold: Double = 300
        var consecutiveRefreshFailures = 0
        var configInfo: Gauge?
        var evaluationCounters: [EvaluationKey: Counter] = [:]
        var rolloutCounters: [RolloutKey: Counter] = [:]
        var errorCounters: [ErrorKey: Counter] = [:]
        var mismatchCounters: [String: Counter] = [:]
        var flagGauges: [FlagGaugeKey: Gauge] = [:]
        var srmCounts: [SRMKey: [UInt64]] = [:]
        var srmGauges: [SRMKey: Gauge] = [:]
        var canaryGauges: [CanaryKey: Gauge] = [:]
        var requestCounters: [RequestKey: Counter] = [:]
        var requestDurations: [String: ValueHistogram] = [:]
    }
}
