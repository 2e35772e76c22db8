extension FlagSet {
    /// Evaluates flag `key` for `context`, in the order of docs/configuration.md, "Evaluation".
    ///
    /// - Parameters:
    ///   - defaultValue: returned with reason `FLAG_NOT_FOUND` and variant `default` when the set has no such flag.
    ///   - clock: read only by gradual rollouts, and only when the context carries no `timestamp`.
    /// - Complexity: O(rules + prerequisites); one SHA-256 of a short key per bucketed rollout. Lock-free and safe
    ///   from any number of threads.
    public func evaluate(
        _ key: String,
        in context: EvaluationContext,
        defaultValue: FlagValue = .null,
        clock: EvaluationClock = .system
    ) -> EvaluationResult {
        guard let index = storage.index(of: key) else { return Self.notFound(key, defaultValue: defaultValue) }
        return result(for: Self.evaluate(index, storage, context, clock))
    }

    /// The answer for a key the set lacks: `defaultValue`, variant `default`, `FLAG_NOT_FOUND`.
    static func notFound(_ key: String, defaultValue: FlagValue) -> EvaluationResult {
        EvaluationResult(flagKey: key, variant: "default", value: defaultValue, reason: .flagNotFound, error: .flagNotFound)
    }

    /// Evaluates the flag at `index` (into ``definitions``) and answers by index, without building strings.
    @inline(__always)
    public func evaluate(flagAt index: Int, in context: EvaluationContext, clock: EvaluationClock = .system)
        -> EvaluationOutcome
    {
        precondition(index >= 0 && index < storage.flags.count, "flag index \(index) out of range")
        return Self.evaluate(index, storage, context, clock)
    }

    /// The full result for a compact outcome of this set.
    public func result(for outcome: EvaluationOutcome) -> EvaluationResult {
        let definition = storage.definitions[outcome.flagIndex]
        let variant = definition.variants[outcome.variantIndex]
        return EvaluationResult(
            flagKey: definition.key,
            variant: variant.name,
            value: variant.value,
            reason: outcome.reason,
            rule: outcome.ruleIndex.map { definition.targetingRules[$0].name },
            // The engine's one evaluation error: a flagd flag whose targeting names a missing `$ref`.
            error: outcome.reason == .evaluationError ? .parseError : nil,
            bucket: outcome.bucket,
            rolloutOutcome: outcome.rolloutOutcome,
            conditionErrors: outcome.conditionErrors,
            lacksBucketingID: outcome.lacksBucketingID
        )
    }

    /// Whether the variant an outcome of this set serves has a truthy value.
    public func isTruthy(_ outcome: EvaluationOutcome) -> Bool {
        storage.variantTruthiness[Int(storage.flags[outcome.flagIndex].variantStart) + outcome.variantIndex]
    }

    /// The name of variant `variantIndex` of the flag at `flagIndex`.
    public func variantName(flagAt flagIndex: Int, variant variantIndex: Int) -> String {
        storage.definitions[flagIndex].variants[variantIndex].name
    }

    /// The index of the variant called `name` of the flag at `flagIndex`, if it has one.
    public func variantIndex(flagAt flagIndex: Int, named name: String) -> Int? {
        storage.definitions[flagIndex].variants.firstIndex { $0.name.hasSameCodePoints(as: name) }
    }

    /// The outcome the application reported for the same evaluation: `outcome` with `variantIndex` served instead
    /// (the decision step and reason stay ours). At a percentage or gradual rollout, serving the default variant is
    /// counted as `out` and any other as `in`; a split's outcome stays as it was.
    public func observed(_ outcome: EvaluationOutcome, variantIndex: Int) -> EvaluationOutcome {
        var observed = outcome
        observed.variantIndex = variantIndex
        observed.conditionErrors = 0
        if outcome.rolloutOutcome != nil, outcome.reason != .split {
            let defaultIndex = Int(storage.flags[outcome.flagIndex].defaultIndex)
            observed.rolloutOutcome = variantIndex == defaultIndex ? .miss : .hit
        }
        return observed
    }

    static func evaluate(
        _ index: Int,
        _ storage: FlagSetStorage,
        _ context: EvaluationContext,
        _ clock: EvaluationClock
    ) -> EvaluationOutcome {
        if let engine = storage.flagdEngine {
            return engine._withUnsafeGuaranteedRef { $0.evaluate(flagAt: index, context, clock) }
        }
        if let engine = storage.unleashEngine {
            return engine._withUnsafeGuaranteedRef { $0.evaluate(flagAt: index, context, clock) }
        }
        let flag = storage.flags[index]
        var outcome = EvaluationOutcome(flagIndex: index, variantIndex: Int(flag.defaultIndex), reason: .defaultValue)
        if flag.state == .disabled {
            outcome.reason = .flagDisabled
            return outcome
        }
        // Prerequisites: each must serve a truthy value for the same context. Cycles, chains deeper than
        // DependencyGraph.maximumDepth and wider than its maximumReach were refused at load.
        if flag.prerequisitesCount > 0 {
            let (hold, conditionErrors) = prerequisitesHold(index, storage, context, clock)
            outcome.conditionErrors += conditionErrors
            if !hold {
                outcome.reason = .prerequisiteFailed
                return outcome
            }
        }
        decide(flag, storage, context, clock, into: &outcome)
        return outcome
    }

    /// The flag's own decision once its prerequisites hold: rules, then its state, then the rollout.
    static func decide(
        _ flag: CompiledFlag,
        _ storage: FlagSetStorage,
        _ context: EvaluationContext,
        _ clock: EvaluationClock,
        into outcome: inout EvaluationOutcome
    ) {
        var position = Int(flag.rulesStart)
        while position < Int(flag.rulesStart + flag.rulesCount) {
            let rule = storage.rules[position]
            switch storage.evaluate(rule, context) {
            case .matched:
                outcome.variantIndex = Int(rule.variantIndex)
                outcome.reason = .targetingMatch
                outcome.ruleIndex = Int(rule.ruleIndex)
                return
            case .notMatched:
                break
            case .typeMismatch:
                outcome.conditionErrors += 1
            }
            position += 1
        }
        if flag.state == .enabled {
            outcome.variantIndex = Int(flag.enabledIndex)
            outcome.reason = .staticValue
            return
        }
        rollout(flag, storage, context, clock, into: &outcome)
    }

    private static func bucketingID(_ flag: CompiledFlag, _ storage: FlagSetStorage, _ context: EvaluationContext)
        -> String?
    {
        switch flag.bucketField {
        case .wellKnown(let field): field.read(from: context)
        case .custom:
            context.customAttributes.value(forCodePoints: storage.extras.customBucketNames[Int(flag.customBucketIndex)])?.bucketingText
        }
    }

    private static func rollout(
        _ flag: CompiledFlag,
        _ storage: FlagSetStorage,
        _ context: EvaluationContext,
        _ clock: EvaluationClock,
        into outcome: inout EvaluationOutcome
    ) {
        // No bucketing id is never a rollout hit, and does not count as reaching the rollout.
        guard flag.rolloutKind != .none else { return }
        guard let id = bucketingID(flag, storage, context) else {
            outcome.lacksBucketingID = true
            return
        }
        let fraction: Double
        switch flag.rolloutKind {
        case .none:
            return
        case .userList:
            let hit = storage.extras.userLists[Int(flag.extraIndex)].contains(id)
            outcome.rolloutOutcome = hit ? .hit : .miss
            if hit {
                outcome.variantIndex = Int(flag.enabledIndex)
                outcome.reason = .rolloutMatch
            }
            return
        case .split:
            let bucket = bucket(flag, storage, id)
            let split = storage.extras.splits[Int(flag.extraIndex)]
            outcome.bucket = bucket
            outcome.rolloutOutcome = .hit
            outcome.reason = .split
            var position = Int(split.lowerBound)
            // The last share ends at exactly 1, but rounding could leave a bucket just above it: the last variant.
            while position < Int(split.upperBound) - 1 && !(bucket < storage.extras.splitCumulative[position]) {
                position += 1
            }
            outcome.variantIndex = Int(storage.extras.splitVariantIndices[position])
            return
        case .percentage:
            fraction = flag.fraction
        case .gradual:
            let schedule = storage.extras.gradualSchedules[Int(flag.extraIndex)]
            fraction = schedule.percentage(at: context.timestamp ?? clock.now()) / 100
        }
        let bucket = bucket(flag, storage, id)
        outcome.bucket = bucket
        if bucket < fraction {
            outcome.rolloutOutcome = .hit
            outcome.variantIndex = Int(flag.enabledIndex)
            outcome.reason = .rolloutMatch
        } else {
            outcome.rolloutOutcome = .miss
        }
    }

    private static func bucket(_ flag: CompiledFlag, _ storage: FlagSetStorage, _ id: String) -> Double {
        if !flag.sticky { return Double.random(in: 0..<1) }
        let prefix = UnsafeBufferPointer(
            rebasing: storage.keyBytes[Int(flag.prefixStart)..<Int(flag.prefixStart + flag.prefixCount)])
        return Double(Bucketing.hash32(prefix: prefix, id: id)) / 4_294_967_296.0
    }
}
