public import FlagEngine

/// Counts of evaluations against one ``FlagSet``, kept by one driver and handed to ``EvaluationMetrics`` in batches.
///
/// A plain value owned by one task: recording is a few array increments, with no lock and no shared cache line, so
/// two cores evaluating the same flag never contend. ``EvaluationMetrics/flush(_:source:)`` adds the counts to the
/// shared series and clears them.
public struct EvaluationTally: Sendable {
    /// The set the indices below refer to.
    public let flagSet: FlagSet
    @usableFromInline let variantStride: Int
    /// Where the per-flag block starts in ``counts``.
    @usableFromInline let perFlagBase: Int
    /// Every count in one array, so recording touches one buffer with one uniqueness check:
    /// - `[0, perFlagBase)`: evaluations by `(flag * variantStride + variant) * reasons + reason`;
    /// - then four slots per flag: rollout step not reached (never read), reached and in, reached and out, and
    ///   condition type errors. Recording adds to the rollout slot the outcome names, with no branch.
    @usableFromInline var counts: [UInt64]
    /// Sampled evaluation durations in seconds.
    var durationSamples: [Double] = []
    @usableFromInline var storedPending = 0
    /// Evaluations recorded since the last flush.
    public var pending: Int { storedPending }

    static let reasons = EvaluationReason.allCases
    @usableFromInline static let reasonCount = 9
    @usableFromInline static let perFlagSlots = 4
    @usableFromInline static let conditionErrorSlot = 3

    /// An empty tally for `flagSet`.
    public init(flagSet: FlagSet) {
        self.flagSet = flagSet
        let flags = flagSet.count
        variantStride = max(1, flagSet.definitions.map(\.variants.count).max() ?? 1)
        perFlagBase = flags * variantStride * Self.reasonCount
        counts = Array(repeating: 0, count: max(1, perFlagBase + flags * Self.perFlagSlots))
    }

    /// Counts one evaluation of this tally's set.
    @inlinable @inline(__always)
    public mutating func record(_ outcome: EvaluationOutcome) {
        let flag = outcome.flagIndex
        let reason = Self.reasonIndex(outcome.reason)
        let flagBlock = perFlagBase + flag * Self.perFlagSlots
        // In bounds by construction: the engine's flag and variant indices are below `flagSet.count` and
        // `variantStride`, and the rollout outcome is 0, 1 or 2.
        counts.withUnsafeMutableBufferPointer { counts in
            counts[(flag * variantStride + outcome.variantIndex) * Self.reasonCount + reason] &+= 1
            counts[flagBlock + outcome.rolloutOutcomeIndex] &+= 1
            counts[flagBlock + Self.conditionErrorSlot] &+= UInt64(truncatingIfNeeded: outcome.conditionErrors)
        }
        storedPending &+= 1
    }

    /// The evaluation count in `cell` of the evaluations region of ``counts``.
    @usableFromInline func evaluations(at cell: Int) -> UInt64 { counts[cell] }

    /// Condition type errors counted for flag `flagIndex`.
    public func conditionErrors(flagAt flagIndex: Int) -> UInt64 {
        counts[perFlagBase + flagIndex * Self.perFlagSlots + Self.conditionErrorSlot]
    }

    /// Evaluations of flag `flagIndex` that served variant `variantIndex` with `reason`.
    public func count(flagAt flagIndex: Int, variant variantIndex: Int, reason: EvaluationReason) -> UInt64 {
        counts[(flagIndex * variantStride + variantIndex) * Self.reasonCount + Self.reasonIndex(reason)]
    }

    /// Evaluations of flag `flagIndex` that served variant `variantIndex`, whatever the reason.
    public func count(flagAt flagIndex: Int, variant variantIndex: Int) -> UInt64 {
        let base = (flagIndex * variantStride + variantIndex) * Self.reasonCount
        return counts[base..<(base + Self.reasonCount)].reduce(0, +)
    }

    /// Evaluations of flag `flagIndex` that reached the rollout step: hits (`in`) and misses (`out`).
    public func rolloutCounts(flagAt flagIndex: Int) -> (hits: UInt64, misses: UInt64) {
        let flagBlock = perFlagBase + flagIndex * Self.perFlagSlots
        return (counts[flagBlock + 1], counts[flagBlock + 2])
    }

    /// Adds one sampled evaluation duration.
    public mutating func recordDuration(seconds: Double) {
        durationSamples.append(seconds)
    }

    @inlinable @inline(__always)
    static func reasonIndex(_ reason: EvaluationReason) -> Int {
        switch reason {
        case .flagNotFound: 0
        case .flagDisabled: 1
        case .prerequisiteFailed: 2
        case .targetingMatch: 3
        case .staticValue: 4
        case .rolloutMatch: 5
        case .split: 6
        case .defaultValue: 7
        case .evaluationError: 8
        }
    }

    mutating func clear() {
        counts.withUnsafeMutableBufferPointer { counts in counts.update(repeating: 0) }
        durationSamples.removeAll(keepingCapacity: true)
        storedPending = 0
    }
}
