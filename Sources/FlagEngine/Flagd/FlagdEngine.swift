/// flagd flags compiled for a ``FlagSet``: per flag, its plan and variant indexes into the set's definitions.
///
/// Answers exactly as ``FlagdFlagSet/resolve(_:context:now:)`` (tests compare the two over many contexts), in the
/// exporter's terms: `STATIC`, `TARGETING_MATCH`, `DEFAULT`, `FLAG_DISABLED`, and `SPLIT` with the rollout reached and
/// its bucket for a `fractional` pick.
final class FlagdEngine: Sendable {
    struct Flag: Sendable {
        var key: String
        var isEnabled: Bool
        /// The targeting names a `$ref` that `$evaluators` lacks: every evaluation is `PARSE_ERROR`, the caller's
        /// default (``codeDefaultIndex``), as flagd answers it.
        var targetingIsBroken: Bool
        var plan: FlagdPlan
        /// `defaultVariant`'s index, or ``codeDefaultIndex`` when it is null.
        var defaultIndex: Int32
        /// The index of the entry that stands for "no value: the caller's default", or -1 when the flag never
        /// serves it.
        var codeDefaultIndex: Int32
        var variantIndexes: [String: Int32]
        /// Whether the targeting reads `$flagd.timestamp` (or all of the data).
        var readsTime: Bool
    }

    let flags: [Flag]
    let readsTime: Bool
    /// The definitions as flagd reads them.
    let source: FlagdFlagSet
    /// The plans of the common shape as plain records, tried first.
    let fastPath: FlagdFastPath

    init(flags: [Flag], source: FlagdFlagSet) {
        self.flags = flags
        self.source = source
        fastPath = FlagdFastPath(flags.map { ($0.key, $0.plan, $0.isEnabled && !$0.targetingIsBroken, $0.defaultIndex) })
        readsTime = flags.contains(where: \.readsTime)
    }

    func isCodeDefault(_ outcome: EvaluationOutcome) -> Bool {
        let index = flags[outcome.flagIndex].codeDefaultIndex
        return index >= 0 && outcome.variantIndex == Int(index)
    }

    func evaluate(flagAt index: Int, _ context: EvaluationContext, _ clock: EvaluationClock) -> EvaluationOutcome {
        var outcome = EvaluationOutcome(flagIndex: index, variantIndex: Int(fastPath.flags[index].defaultIndex), reason: .defaultValue)
        if fastPath.evaluate(index, context, into: &outcome) { return outcome }
        return evaluateInterpreting(flagAt: index, context, clock)
    }

    /// The general path: the plan with the interpreter for what has no record form.
    private func evaluateInterpreting(flagAt index: Int, _ context: EvaluationContext, _ clock: EvaluationClock) -> EvaluationOutcome {
        let flag = flags[index]
        var outcome = EvaluationOutcome(flagIndex: index, variantIndex: Int(flag.defaultIndex), reason: .defaultValue)
        guard flag.isEnabled else {
            outcome.variantIndex = Int(flag.codeDefaultIndex)
            outcome.reason = .flagDisabled
            return outcome
        }
        if flag.targetingIsBroken {
            outcome.variantIndex = Int(flag.codeDefaultIndex)
            outcome.reason = .evaluationError
            return outcome
        }
        switch flag.plan {
        case .none:
            // With a null default variant the caller's default answers, DEFAULT (flagd's testbed, null-default-flag).
            outcome.reason = flag.defaultIndex == flag.codeDefaultIndex ? .defaultValue : .staticValue
        case .general(let targeting):
            interpret(targeting, flag, context, clock, into: &outcome)
        case .branches(let branches, let otherwise):
            for branch in branches {
                let holds: Bool
                if let known = branch.condition.holds(context) {
                    holds = known
                } else {
                    guard let value = value(of: branch.condition.expression, flag, context, clock, into: &outcome) else { return outcome }
                    holds = value.isLogicTruthy
                }
                if holds {
                    decide(branch.leaf, flag, context, clock, into: &outcome)
                    return outcome
                }
            }
            decide(otherwise, flag, context, clock, into: &outcome)
        }
        return outcome
    }

    private func scope(_ flag: Flag, _ context: EvaluationContext, _ clock: EvaluationClock) -> LogicScope {
        LogicScope(context: context, flagKey: flag.key, now: flag.readsTime ? clock.now() : 0)
    }

    /// The expression's value for `context`; nil when an operator errs (``LogicEvaluationError``), which stops the
    /// targeting at the default variant and counts as a condition error.
    private func value(of expression: LogicExpression, _ flag: Flag, _ context: EvaluationContext, _ clock: EvaluationClock,
                       into outcome: inout EvaluationOutcome) -> FlagValue? {
        do {
            return try expression.evaluate(scope(flag, context, clock))
        } catch {
            outcome.conditionErrors += 1
            return nil
        }
    }

    /// The targeting's result names the variant, else the default variant with `DEFAULT`; an operator's error
    /// (``LogicEvaluationError``) stops it at the default variant too, counted as a condition error.
    private func interpret(_ expression: LogicExpression, _ flag: Flag, _ context: EvaluationContext,
                           _ clock: EvaluationClock, into outcome: inout EvaluationOutcome) {
        guard let result = value(of: expression, flag, context, clock, into: &outcome) else { return }
        if let name = FlagdFlagSet.variantName(result), let variant = flag.variantIndexes.value(forCodePoints: name) {
            outcome.variantIndex = Int(variant)
            outcome.reason = .targetingMatch
        }
    }

    private func decide(_ leaf: FlagdLeaf, _ flag: Flag, _ context: EvaluationContext, _ clock: EvaluationClock,
                        into outcome: inout EvaluationOutcome) {
        switch leaf {
        case .variant(let variant):
            guard variant >= 0 else { return }
            outcome.variantIndex = Int(variant)
            outcome.reason = .targetingMatch
        case .fractional(let split):
            let hash: UInt32
            switch split.bucketBy {
            case .flagKeyAndTargetingKey:
                guard let targetingKey = context.userID else { return }
                hash = Murmur3.hash32(joining: flag.key, "", targetingKey)
            case .expression(let expression):
                guard let value = value(of: expression, flag, context, clock, into: &outcome) else { return }
                guard case .string(let text) = value else {
                    // Not text: the operator reads its first argument as a bucket, which the interpreter does.
                    interpret(.operation(.fractional, split.arguments), flag, context, clock, into: &outcome)
                    return
                }
                hash = Murmur3.hash32(text)
            }
            let bucket = (UInt64(hash) &* split.total) >> 32
            var position = 0
            while position < split.cumulative.count - 1 && bucket >= split.cumulative[position] { position += 1 }
            let variant = split.variantIndices[position]
            guard variant >= 0 else { return }
            outcome.variantIndex = Int(variant)
            outcome.reason = .split
            outcome.rolloutOutcome = .hit
            outcome.bucket = Double(hash) / 4_294_967_296.0
        }
    }
}

extension LogicExpression {
    /// Whether the rule can read the evaluation time: `$flagd.timestamp`, `$flagd` or the whole data, or a path
    /// computed at evaluation time.
    var readsTime: Bool {
        switch self {
        case .literal: false
        case .list(let elements): elements.contains(where: \.readsTime)
        case .variable(let path, let fallback):
            path.isEmpty || (path.first == "$flagd" && (path.count == 1 || path[1] == "timestamp"))
                || (fallback?.readsTime ?? false)
        case .dynamicVariable: true
        case .operation(_, let arguments): arguments.contains(where: \.readsTime)
        }
    }
}
