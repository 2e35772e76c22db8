/// Why an evaluation returned what it did; the raw values are the wire names.
public enum EvaluationReason: String, Sendable, CaseIterable, Hashable, BitwiseCopyable {
    case flagNotFound = "FLAG_NOT_FOUND"
    case flagDisabled = "FLAG_DISABLED"
    case prerequisiteFailed = "PREREQUISITE_FAILED"
    case targetingMatch = "TARGETING_MATCH"
    case staticValue = "STATIC"
    case rolloutMatch = "ROLLOUT_MATCH"
    case split = "SPLIT"
    case defaultValue = "DEFAULT"
    case evaluationError = "EVALUATION_ERROR"
}

/// OpenFeature's error codes, the raw values as OpenFeature and OFREP spell them: the one list the engine's results
/// and OFREP's answers share.
public enum EvaluationErrorCode: String, Sendable, Hashable, CaseIterable {
    case flagNotFound = "FLAG_NOT_FOUND"
    case typeMismatch = "TYPE_MISMATCH"
    case invalidContext = "INVALID_CONTEXT"
    /// The request (an OFREP body) is not well-formed.
    case parseError = "PARSE_ERROR"
    /// The flag rolls out by the targeting key and the context has none.
    case targetingKeyMissing = "TARGETING_KEY_MISSING"
    case general = "GENERAL"
}

/// Whether an evaluation that reached the rollout step was a hit.
public enum RolloutOutcome: String, Sendable, Hashable, CaseIterable {
    case hit = "in"
    case miss = "out"
}

/// The complete answer for one flag and one context.
public struct EvaluationResult: Sendable, Hashable {
    public var flagKey: String
    public var variant: String
    public var value: FlagValue
    public var reason: EvaluationReason
    /// The name of the targeting rule that matched, if one did.
    public var rule: String?
    /// Set when `reason` is an error or `FLAG_NOT_FOUND`.
    public var error: EvaluationErrorCode?
    /// The bucket (`0 ..< 1`) used when the rollout step was reached with a bucketing id.
    public var bucket: Double?
    /// `in` / `out` when the rollout step was reached; realised share = in / (in + out).
    public var rolloutOutcome: RolloutOutcome?
    /// Rules whose condition failed at run time (type mismatch); each counts one evaluation error.
    public var conditionErrors: Int
    /// The rollout decided, but the context had no bucketing id (see ``EvaluationOutcome/lacksBucketingID``).
    public var lacksBucketingID: Bool = false

    public init(
        flagKey: String,
        variant: String,
        value: FlagValue,
        reason: EvaluationReason,
        rule: String? = nil,
        error: EvaluationErrorCode? = nil,
        bucket: Double? = nil,
        rolloutOutcome: RolloutOutcome? = nil,
        conditionErrors: Int = 0,
        lacksBucketingID: Bool = false
    ) {
        self.flagKey = flagKey
        self.variant = variant
        self.value = value
        self.reason = reason
        self.rule = rule
        self.error = error
        self.bucket = bucket
        self.rolloutOutcome = rolloutOutcome
        self.conditionErrors = conditionErrors
        self.lacksBucketingID = lacksBucketingID
    }
}

/// A compact evaluation answer by index, for high-volume callers (telemetry) that avoid strings.
///
/// A 24-byte plain record with no references, so producing one never touches a reference count. Turn it into an
/// ``EvaluationResult`` with ``FlagSet/result(for:)``.
public struct EvaluationOutcome: Sendable, Hashable, BitwiseCopyable {
    /// The bucket, or NaN when the rollout step was not reached with a bucketing id.
    @usableFromInline var storedBucket: Double
    @usableFromInline var storedFlagIndex: Int32
    @usableFromInline var storedVariantIndex: Int32
    /// The rule index, or -1.
    @usableFromInline var storedRuleIndex: Int32
    @usableFromInline var storedConditionErrors: UInt16
    /// 0 not reached, 1 hit, 2 miss, 3 reached without a bucketing id (counted as not reached).
    @usableFromInline var storedRolloutOutcome: UInt8
    public var reason: EvaluationReason

    init(flagIndex: Int, variantIndex: Int, reason: EvaluationReason) {
        storedBucket = .nan
        storedFlagIndex = Int32(truncatingIfNeeded: flagIndex)
        storedVariantIndex = Int32(truncatingIfNeeded: variantIndex)
        storedRuleIndex = -1
        storedConditionErrors = 0
        storedRolloutOutcome = 0
        self.reason = reason
    }

    /// Index of the flag in ``FlagSet/definitions``.
    @inlinable public var flagIndex: Int { Int(storedFlagIndex) }

    /// Index of the variant in that flag's `variants`.
    @inlinable public var variantIndex: Int {
        get { Int(storedVariantIndex) }
        set { storedVariantIndex = Int32(truncatingIfNeeded: newValue) }
    }

    /// Index of the matching rule in the flag's `targetingRules`, if one matched.
    @inlinable public var ruleIndex: Int? {
        get { storedRuleIndex < 0 ? nil : Int(storedRuleIndex) }
        set { storedRuleIndex = newValue.map { Int32(truncatingIfNeeded: $0) } ?? -1 }
    }

    /// The bucket (`0 ..< 1`) used when the rollout step was reached with a bucketing id.
    @inlinable public var bucket: Double? {
        get { storedBucket.isNaN ? nil : storedBucket }
        set { storedBucket = newValue ?? .nan }
    }

    /// `in` / `out` when the rollout step was reached.
    @inlinable public var rolloutOutcome: RolloutOutcome? {
        get { storedRolloutOutcome == 1 ? .hit : storedRolloutOutcome == 2 ? .miss : nil }
        set { storedRolloutOutcome = newValue.map { $0 == .hit ? 1 : 2 } ?? 0 }
    }

    /// ``rolloutOutcome`` as a small index for counting tables: 0 when the rollout step was not reached, 1 for
    /// ``RolloutOutcome/hit``, 2 for ``RolloutOutcome/miss``.
    @inlinable public var rolloutOutcomeIndex: Int { storedRolloutOutcome == 3 ? 0 : Int(storedRolloutOutcome) }

    /// The flag's rollout (percentage, gradual, split or user list) decided this evaluation, but the context had no
    /// bucketing id (its `user_id`/`targetingKey`, or the rollout's `bucket_by` attribute): the default variant was
    /// served. OFREP answers TARGETING_KEY_MISSING for it.
    @inlinable public var lacksBucketingID: Bool {
        get { storedRolloutOutcome == 3 }
        set { if newValue { storedRolloutOutcome = 3 } else if storedRolloutOutcome == 3 { storedRolloutOutcome = 0 } }
    }

    /// Rules whose condition failed at run time (type mismatch).
    @inlinable public var conditionErrors: Int {
        get { Int(storedConditionErrors) }
        set { storedConditionErrors = UInt16(clamping: newValue) }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.flagIndex == rhs.flagIndex && lhs.variantIndex == rhs.variantIndex && lhs.reason == rhs.reason
            && lhs.ruleIndex == rhs.ruleIndex && lhs.bucket == rhs.bucket && lhs.rolloutOutcome == rhs.rolloutOutcome
            && lhs.conditionErrors == rhs.conditionErrors && lhs.lacksBucketingID == rhs.lacksBucketingID
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(flagIndex)
        hasher.combine(variantIndex)
        hasher.combine(reason)
        hasher.combine(ruleIndex)
        hasher.combine(bucket)
    }
}
