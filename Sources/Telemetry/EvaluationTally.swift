public import FlagEngine

/// Counts of evaluations against one ``FlagSet``, kept by one driver and handed to ``ExporterTelemetry`` in batches.
///
/// A plain value owned by one task: recording is a few array increments, with no lock and no shared cache line, so
/// two cores evaluating the same flag never contend. ``ExporterTelemetry/flush(_:source:)`` adds the counts to the
/// shared series and clears them.
public struct EvaluationTally: Sendable {
    /// The set the indices below refer to.
    public let flagSet: FlagSet
    @usableFromInline let variantStride: Int
    /// By `(flag * variantStride + variant) * reasons + reason`.
    @usableFromInline var evaluations: [UInt64]
    /// Rollout step reached, by flag: hit and miss.
    @usableFromInline var rolloutHits: [UInt64]
    @usableFromInline var rolloutMisses: [UInt64]
    /// Condition type errors, by flag.
    @usableFromInline var conditionErrors: [UInt64]
    /// Sampled evaluation durations in seconds.
    var durationSamples: [Double] = []
    @usableFromInline internal(set) var storedPending = 0
    /// Evaluations recorded since the last flush.
    public var pending: Int { storedPending }

    static let reasons = EvaluationReason.allCases
    @usableFromInline static let reasonCount = 9

    /// An empty tally for `flagSet`.
    public init(flagSet: FlagSet) {
        self.flagSet = flagSet
        let flags = flagSet.count
        variantStride = max(1, flagSet.definitions.map(\.variants.count).max() ?? 1)
        evaluations = Array(repeating: 0, count: max(1, flags * variantStride * Self.reasonCount))
        rolloutHits = Array(repeating: 0, count: flags)
        rolloutMisses = Array(repeating: 0, count: flags)
        conditionErrors = Array(repeating: 0, count: flags)
    }

    /// Counts one evaluation of this tally's set.
    @inlinable @inline(__always)
    public mutating func record(_ outcome: EvaluationOutcome) {
        let flag = outcome.flagIndex
        let reason = Self.reasonIndex(outcome.reason)
        evaluations[(flag * variantStride + outcome.variantIndex) * Self.reasonCount + reason] &+= 1
        switch outcome.rolloutOutcome {
        case .hit: rolloutHits[flag] &+= 1
        case .miss: rolloutMisses[flag] &+= 1
        case nil: break
        }
        if outcome.conditionErrors > 0 { conditionErrors[flag] &+= UInt64(outcome.conditionErrors) }
        storedPending &+= 1
    }

    /// Evaluations of flag `flagIndex` that served variant `variantIndex` with `reason`.
    public func count(flagAt flagIndex: Int, variant variantIndex: Int, reason: EvaluationReason) -> UInt64 {
        evaluations[(flagIndex * variantStride + variantIndex) * Self.reasonCount + Self.reasonIndex(reason)]
    }

    /// Evaluations of flag `flagIndex` that served variant `variantIndex`, whatever the reason.
    public func count(flagAt flagIndex: Int, variant variantIndex: Int) -> UInt64 {
        let base = (flagIndex * variantStride + variantIndex) * Self.reasonCount
        return evaluations[base..<(base + Self.reasonCount)].reduce(0, +)
    }

    /// Evaluations of flag `flagIndex` that reached the rollout step: hits (`in`) and misses (`out`).
    public func rolloutCounts(flagAt flagIndex: Int) -> (hits: UInt64, misses: UInt64) {
        (rolloutHits[flagIndex], rolloutMisses[flagIndex])
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
        for index in evaluations.indices { evaluations[index] = 0 }
        for index in rolloutHits.indices {
            rolloutHits[index] = 0
            rolloutMisses[index] = 0
            conditionErrors[index] = 0
        }
        durationSamples.removeAll(keepingCapacity: true)
        storedPending = 0
    }
}
