/// Why an evaluation returned what it did; the raw values are the wire names.
public enum EvaluationReason: String, Sendable, CaseIterable, Hashable {
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

/// An error code carried by a result whose reason is an error; the raw values are OpenFeature's.
public enum EvaluationErrorCode: String, Sendable, Hashable {
    case flagNotFound = "FLAG_NOT_FOUND"
    case typeMismatch = "TYPE_MISMATCH"
    case invalidContext = "INVALID_CONTEXT"
    case general = "GENERAL"
}

/// Whether an evaluation that reached the rollout step was a hit.
public enum RolloutOutcome: String, Sendable, Hashable {
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

    public init(
        flagKey: String,
        variant: String,
        value: FlagValue,
        reason: EvaluationReason,
        rule: String? = nil,
        error: EvaluationErrorCode? = nil,
        bucket: Double? = nil,
        rolloutOutcome: RolloutOutcome? = nil,
        conditionErrors: Int = 0
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
    }
}

/// A compact evaluation answer by index, for high-volume callers (telemetry) that avoid strings.
///
/// Turn it into an ``EvaluationResult`` with ``FlagSet/result(for:)``.
public struct EvaluationOutcome: Sendable, Hashable {
    /// Index of the flag in ``FlagSet/definitions``.
    public var flagIndex: Int
    /// Index of the variant in that flag's `variants`.
    public var variantIndex: Int
    public var reason: EvaluationReason
    /// Index of the matching rule in the flag's `targetingRules`, if one matched.
    public var ruleIndex: Int?
    public var bucket: Double?
    public var rolloutOutcome: RolloutOutcome?
    public var conditionErrors: Int
}
