public import FlagConfig
public import FlagEngine
import Locking
import Synchronization
import Telemetry

/// Evaluates mirrored traffic (OFREP requests and the JSONL feed) and counts it as `source="mirror"`.
///
/// Requests arrive on many tasks at once, so counts go into one of several independently locked tallies chosen
/// round-robin; ``flush()`` (every second, and before each scrape) hands them to telemetry. A token bucket caps
/// the rate; refused input is counted in `feature_flag_mirror_dropped_total`.
public final class MirrorEvaluator: Sendable {
    let runtime: ConfigRuntime
    public let settings: ExporterSettings.Mirror
    private let shards: [Locked<EvaluationTally?>]
    /// The application's reported decisions (`source="mirror_observed"`), tallied like ours.
    private let observedShards: [Locked<EvaluationTally?>]
    private let nextShard = Atomic<Int>(0)
    /// Mirrored calls so far; one in ``durationSampleEvery`` is timed for `feature_flag_evaluation_duration_seconds`.
    private let evaluationCount = Atomic<Int>(0)
    static let durationSampleEvery = 256
    private let bucket: Locked<TokenBucket>

    public init(runtime: ConfigRuntime, settings: ExporterSettings.Mirror, shardCount: Int = 8) {
        self.runtime = runtime
        self.settings = settings
        shards = (0..<max(1, shardCount)).map { _ in Locked<EvaluationTally?>(nil) }
        observedShards = (0..<max(1, shardCount)).map { _ in Locked<EvaluationTally?>(nil) }
        bucket = Locked(TokenBucket(rate: settings.rateLimit, burst: max(1, settings.rateLimit)))
    }

    var telemetry: ExporterTelemetry { runtime.telemetry }

    /// Takes one token; `false` (and counted as `rate_limited`) when the mirror rate limit is exhausted.
    public func admit(count: Int = 1) -> Bool {
        let now = MonotonicClock.seconds()
        let admitted = bucket.withLock { $0.take(Double(count), now: now) }
        if !admitted { telemetry.recordMirrorDropped(.rateLimited) }
        return admitted
    }

    /// Evaluates `key` for `context` on the config in use and counts it. `nil` (counted under `__unknown__`) when
    /// the config has no such flag.
    public func evaluate(_ key: String, in context: EvaluationContext)
        -> (result: EvaluationResult, outcome: EvaluationOutcome, flagSet: FlagSet)?
    {
        let flagSet = runtime.store.snapshot
        guard let index = flagSet.index(of: key) else {
            telemetry.recordUnknownFlag(source: .mirror)
            return nil
        }
        let sampled = evaluationCount.add(1, ordering: .relaxed).oldValue % Self.durationSampleEvery == 0
        let started = sampled ? MonotonicClock.seconds() : 0
        let outcome = flagSet.evaluate(flagAt: index, in: context)
        record([outcome], on: flagSet, duration: sampled ? MonotonicClock.seconds() - started : nil)
        return (flagSet.result(for: outcome), outcome, flagSet)
    }

    /// Counts what the application reported serving for an evaluation of ours (`source="mirror_observed"`).
    public func recordObserved(_ outcome: EvaluationOutcome, on flagSet: FlagSet) {
        record([outcome], on: flagSet, into: observedShards, source: .mirrorObserved)
    }

    /// Evaluates every flag for `context` (the OFREP bulk call) and counts them.
    public func evaluateAll(in context: EvaluationContext) -> (results: [EvaluationResult], flagSet: FlagSet) {
        let flagSet = runtime.store.snapshot
        let sampled = evaluationCount.add(1, ordering: .relaxed).oldValue % Self.durationSampleEvery == 0
        let started = sampled ? MonotonicClock.seconds() : 0
        let outcomes = (0..<flagSet.count).map { flagSet.evaluate(flagAt: $0, in: context) }
        // One sample per timed bulk call: the mean time of its evaluations.
        let duration = sampled && !outcomes.isEmpty ? (MonotonicClock.seconds() - started) / Double(outcomes.count) : nil
        record(outcomes, on: flagSet, duration: duration)
        return (outcomes.map { flagSet.result(for: $0) }, flagSet)
    }

    private func record(_ outcomes: [EvaluationOutcome], on flagSet: FlagSet, duration: Double?) {
        record(outcomes, on: flagSet, into: shards, source: .mirror, duration: duration)
    }

    private func record(
        _ outcomes: [EvaluationOutcome], on flagSet: FlagSet, into shards: [Locked<EvaluationTally?>],
        source: EvaluationSource, duration: Double? = nil
    ) {
        let shard = shards[nextShard.add(1, ordering: .relaxed).oldValue % shards.count]
        var stale: EvaluationTally?
        shard.withLock { tally in
            if let current = tally, current.flagSet.info.checksum != flagSet.info.checksum
                || current.flagSet.count != flagSet.count
            {
                stale = current
                tally = nil
            }
            if tally == nil { tally = EvaluationTally(flagSet: flagSet) }
            for outcome in outcomes { tally!.record(outcome) }
            if let duration { tally!.recordDuration(seconds: duration) }
        }
        if var stale { telemetry.flush(&stale, source: source) }
    }

    /// Hands every shard's counts to telemetry.
    public func flush() {
        flush(shards, source: .mirror)
        flush(observedShards, source: .mirrorObserved)
    }

    private func flush(_ shards: [Locked<EvaluationTally?>], source: EvaluationSource) {
        for shard in shards {
            var taken: EvaluationTally?
            shard.withLock { tally in
                if let current = tally, current.pending > 0 {
                    taken = current
                    tally = EvaluationTally(flagSet: current.flagSet)
                }
            }
            if var taken { telemetry.flush(&taken, source: source) }
        }
    }
}

/// A token bucket: `rate` tokens per second, at most `burst` saved up.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    var tokens: Double
    var updated: Double?

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        tokens = burst
    }

    mutating func take(_ count: Double, now: Double) -> Bool {
        if let updated { tokens = min(burst, tokens + (now - updated) * rate) }
        updated = now
        guard tokens >= count else { return false }
        tokens -= count
        return true
    }
}
