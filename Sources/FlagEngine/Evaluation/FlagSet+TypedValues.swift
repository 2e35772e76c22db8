/// A Swift type a flag value can be read as.
public protocol FlagValueConvertible: Sendable {
    /// The value as `Self`, or `nil` when the flag's value has another type.
    init?(flagValue: FlagValue)
    /// `Self` as a flag value, for the caller's default.
    var flagValue: FlagValue { get }
}

extension Bool: FlagValueConvertible {
    public init?(flagValue: FlagValue) {
        guard case .bool(let value) = flagValue else { return nil }
        self = value
    }
    public var flagValue: FlagValue { .bool(self) }
}

extension Int: FlagValueConvertible {
    public init?(flagValue: FlagValue) {
        guard case .int(let value) = flagValue else { return nil }
        self = value
    }
    public var flagValue: FlagValue { .int(self) }
}

extension Double: FlagValueConvertible {
    public init?(flagValue: FlagValue) {
        switch flagValue {
        case .double(let value): self = value
        case .int(let value): self = Double(value)
        default: return nil
        }
    }
    public var flagValue: FlagValue { .double(self) }
}

extension String: FlagValueConvertible {
    public init?(flagValue: FlagValue) {
        guard case .string(let value) = flagValue else { return nil }
        self = value
    }
    public var flagValue: FlagValue { .string(self) }
}

extension FlagValue: FlagValueConvertible {
    public init?(flagValue: FlagValue) { self = flagValue }
    public var flagValue: FlagValue { self }
}

/// A typed answer: the value as `Value`, or the caller's default with an error when the types disagree.
public struct TypedEvaluation<Value: FlagValueConvertible>: Sendable {
    public var value: Value
    public var variant: String
    public var reason: EvaluationReason
    public var error: EvaluationErrorCode?
    /// The untyped result behind this answer.
    public var result: EvaluationResult
}

extension FlagSet {
    /// Whether flag `key` serves a truthy value for `context` (an unknown flag is not enabled).
    ///
    /// Answers from the compact outcome, without building an ``EvaluationResult``: the cheapest way to ask.
    public func isEnabled(_ key: String, in context: EvaluationContext, clock: EvaluationClock = .system) -> Bool {
        guard let index = index(of: key) else { return false }
        return isTruthy(evaluate(flagAt: index, in: context, clock: clock))
    }

    /// The variant name flag `key` serves for `context` (`default` for an unknown flag).
    public func variant(_ key: String, in context: EvaluationContext, clock: EvaluationClock = .system) -> String {
        guard let index = index(of: key) else { return "default" }
        let outcome = evaluate(flagAt: index, in: context, clock: clock)
        return variantName(flagAt: index, variant: outcome.variantIndex)
    }

    /// Flag `key`'s value as `Value`, or `defaultValue` with reason `EVALUATION_ERROR` and `TYPE_MISMATCH` when the
    /// served value has another type, or `FLAG_NOT_FOUND` when there is no such flag. Where flagd leaves the value to
    /// the caller (a disabled flag, no default variant, `PARSE_ERROR` for targeting naming a missing `$ref`),
    /// `defaultValue` with the evaluation's reason and error.
    public func value<Value: FlagValueConvertible>(
        _ key: String,
        default defaultValue: Value,
        in context: EvaluationContext,
        clock: EvaluationClock = .system
    ) -> TypedEvaluation<Value> {
        guard let index = index(of: key) else {
            let result = Self.notFound(key, defaultValue: defaultValue.flagValue)
            return TypedEvaluation(
                value: defaultValue, variant: result.variant, reason: result.reason, error: result.error, result: result)
        }
        let outcome = evaluate(flagAt: index, in: context, clock: clock)
        var result = self.result(for: outcome)
        // The caller's default answers: a flagd flag that is disabled, has no default variant, or cannot be read.
        if servesCodeDefault(outcome) {
            return TypedEvaluation(
                value: defaultValue, variant: result.variant, reason: result.reason, error: result.error, result: result)
        }
        guard let typed = Value(flagValue: result.value) else {
            result.reason = .evaluationError
            result.error = .typeMismatch
            return TypedEvaluation(
                value: defaultValue, variant: result.variant, reason: .evaluationError, error: .typeMismatch,
                result: result)
        }
        return TypedEvaluation(value: typed, variant: result.variant, reason: result.reason, error: nil, result: result)
    }
}
