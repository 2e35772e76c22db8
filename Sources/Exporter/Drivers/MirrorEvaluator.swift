import FlagConfig
public import Settings
public import FlagEngine
import Locking
import Synchronization
public import Telemetry
import SystemIO

/// Evaluates mirrored traffic (OFREP requests and the JSONL feed) and counts it as `source="mirror"`.
///
/// Requests arrive on many tasks at once, so counts go into one of several independently locked tallies chosen
/// round-robin; ``flush()`` (every second, on ``MirrorFlusher``'s clock, and before each push) hands them to telemetry; a scrape
/// only reads. A token bucket caps
/// the rate; refused input is counted in `feature_flag_mirror_dropped_total`.
public final class MirrorEvaluator: Sendable {
    let store: FlagStore
    let evaluations: EvaluationMetrics
    let mirrorMetrics: MirrorMetrics
    public let settings: ExporterSettings.Mirror
    private let shards: [Locked<EvaluationTally?>]
    /// The application's reported decisions (`source="mirror_observed"`), tallied like ours.
    private let observedShards: [Locked<EvaluationTally?>]
    private let nextShard = Atomic<Int>(0)
    /// Mirrored calls so far; one in ``durationSampleEvery`` is timed for `feature_flag_evaluation_duration_seconds`.
    private let evaluationCount = Atomic<Int>(0)
    static let durationSampleEvery = 256
    private let bucket: Locked<TokenBucket>

    public init(
        store: FlagStore, evaluations: EvaluationMetrics, mirrorMetrics: MirrorMetrics, settings: ExporterSettings.Mirror,
        shardCount: Int = 8
    ) {
        self.store = store
        self.evaluations = evaluations
        self.mirrorMetrics = mirrorMetrics
        self.settings = settings
        shards = (0..<max(1, shardCount)).map { _ in Locked<EvaluationTally?>(nil) }
        observedShards = (0..<max(1, shardCount)).map { _ in Locked<EvaluationTally?>(nil) }
        bucket = Locked(TokenBucket(rate: settings.rateLimit, burst: max(1, settings.rateLimit)))
    }

    /// Takes `count` tokens: `nil` when admitted, else the whole seconds until a retry can be (counted as
    /// `rate_limited`). A call for more tokens than the burst holds is admitted with a full bucket and leaves it in
    /// debt, so a bulk call over every flag can succeed while the long-run rate stays the limit.
    public func admit(count: Int = 1) -> Int? {
        let now = SystemClock.monotonicSeconds()
        let wait = bucket.withLock { $0.take(Double(count), now: now) }
        guard let wait else { return nil }
        mirrorMetrics.recordDropped(.rateLimited)
        return max(1, Int(min(wait, 3600).rounded(.up)))
    }

    /// Evaluates `key` for `context` on the config in use and counts it. `nil` (counted under `__unknown__`) when
    /// the config has no such flag.
    ///
    /// With `refusingWithoutBucketingID` (OFREP), an evaluation whose rollout needed a bucketing id the context lacks
    /// is counted as a `targeting_key_missing` error, not an evaluation: the caller answers with an error, so no
    /// variant was served. The JSONL feed reports what applications served, so it counts it as served.
    public func evaluate(_ key: String, in context: EvaluationContext, refusingWithoutBucketingID: Bool = false)
        -> (result: EvaluationResult, outcome: EvaluationOutcome, flagSet: FlagSet)?
    {
        let flagSet = store.snapshot
        guard let index = flagSet.index(of: key) else {
            evaluations.recordUnknownFlag(source: .mirror)
            return nil
        }
        let sampled = evaluationCount.add(1, ordering: .relaxed).oldValue % Self.durationSampleEvery == 0
        let started = sampled ? SystemClock.monotonicSeconds() : 0
        let outcome = flagSet.evaluate(flagAt: index, in: context)
        let duration = sampled ? SystemClock.monotonicSeconds() - started : nil
        if refusingWithoutBucketingID && outcome.lacksBucketingID {
            evaluations.recordError(flagKey: key, errorType: .targetingKeyMissing, source: .mirror)
        } else {
            record([outcome], on: flagSet, duration: duration)
        }
        return (flagSet.result(for: outcome), outcome, flagSet)
    }

    /// Counts mirrored input refused before evaluating.
    public func recordRefused(_ reason: MirrorDropReason) {
        mirrorMetrics.recordDropped(reason)
    }

    /// Counts a mirrored call for `key` whose context was refused (`invalid_context`).
    public func recordInvalidContext(flagKey: String) {
        evaluations.recordError(flagKey: flagKey, errorType: .invalidContext, source: .mirror)
    }

    /// Counts what the application reported serving for an evaluation of ours (`source="mirror_observed"`).
    public func recordObserved(_ outcome: EvaluationOutcome, on flagSet: FlagSet) {
        record([outcome], on: flagSet, into: observedShards, source: .mirrorObserved)
    }

    /// Evaluates every flag of `flagSet` for `context` (the OFREP bulk call) and counts them; an outcome whose
    /// rollout lacked a bucketing id counts as a `targeting_key_missing` error instead.
    public func evaluateAll(in context: EvaluationContext, on flagSet: FlagSet) -> [EvaluationOutcome] {
        let sampled = evaluationCount.add(1, ordering: .relaxed).oldValue % Self.durationSampleEvery == 0
        let started = sampled ? SystemClock.monotonicSeconds() : 0
        let outcomes = (0..<flagSet.count).map { flagSet.evaluate(flagAt: $0, in: context) }
        // One sample per timed bulk call: the mean time of its evaluations.
        let duration = sampled && !outcomes.isEmpty ? (SystemClock.monotonicSeconds() - started) / Double(outcomes.count) : nil
        let served = outcomes.filter { !$0.lacksBucketingID }
        for outcome in outcomes where outcome.lacksBucketingID {
            evaluations.recordError(
                flagKey: flagSet.definitions[outcome.flagIndex].key, errorType: .targetingKeyMissing, source: .mirror)
        }
        record(served, on: flagSet, duration: duration)
        return outcomes
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
        if var stale { evaluations.flush(&stale, source: source) }
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
            if var taken { evaluations.flush(&taken, source: source) }
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

    /// Takes `count` tokens: `nil` when there were enough, else the seconds until there will be. A count over the
    /// burst needs a full bucket and leaves it below zero (a debt paid back at `rate`).
    mutating func take(_ count: Double, now: Double) -> Double? {
        if let updated { tokens = min(burst, tokens + (now - updated) * rate) }
        updated = now
        let needed = min(count, burst)
        guard tokens >= needed else { return rate > 0 ? (needed - tokens) / rate : .infinity }
        tokens -= count
        return nil
    }
}
