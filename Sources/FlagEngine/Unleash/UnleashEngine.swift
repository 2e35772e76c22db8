/// Unleash toggles compiled for a ``FlagSet``: per toggle, what its decisions mean in the exporter's terms.
///
/// A toggle's entries are `disabled` (false), `enabled` (true, for an enabled toggle without a variant) and its
/// variants. Reasons: `FLAG_DISABLED` for `enabled: false`, `PREREQUISITE_FAILED` when a dependency fails, `DEFAULT`
/// when no strategy is on, `ROLLOUT_MATCH` when the toggle's one percentage strategy enabled it (with the rollout
/// reached: `in`, or `out` when that strategy was reached and off), `SPLIT` for a variant drawn by weight when the toggle
/// has one list of variants and no percentage strategy, `STATIC` for no strategies or an unconstrained `default`,
/// else `TARGETING_MATCH`.
final class UnleashEngine: Sendable {
    struct Toggle: Sendable {
        var name: String
        /// The strategy whose reaching is the rollout: the toggle's one percentage strategy, if it has one.
        var rolloutStrategy: Int?
        /// A drawn variant is the toggle's split (one list of variants, no percentage strategy).
        var variantsAreSplit: Bool
        /// The entry of each of the toggle's own variants, then of each strategy's (``UnleashVariantSlot``).
        var toggleVariantIndexes: [Int32]
        var strategyVariantIndexes: [[Int32]]
        /// Index of the strategy that is an unconstrained `default`, if any.
        var staticStrategies: Set<Int>
    }

    static let disabledIndex = 0
    static let enabledIndex = 1

    let set: UnleashToggleSet
    let toggles: [Toggle]
    let readsTime: Bool
    let mayDrawAtRandom: Bool

    /// The toggles of the common shape as plain records, tried first.
    let fastPath: UnleashFastPath

    init(set: UnleashToggleSet, toggles: [Toggle]) {
        self.set = set
        self.toggles = toggles
        fastPath = UnleashFastPath(toggles.map { compiled in
            (set.toggles[compiled.name] ?? UnleashToggle(name: compiled.name, enabled: false), compiled.rolloutStrategy,
             compiled.staticStrategies)
        })
        let constraints = set.toggles.values.flatMap { $0.strategies.flatMap(\.constraints) } + set.segments.values.flatMap { $0 }
        readsTime = constraints.contains { $0.contextName == "currentTime" || $0.operation == .dateAfter || $0.operation == .dateBefore }
        mayDrawAtRandom = set.toggles.values.contains { toggle in
            toggle.strategies.contains { strategy in
                strategy.name == "gradualRolloutRandom"
                    || (strategy.name == "flexibleRollout" && ["default", "random"].contains(strategy.compiled.stickiness))
                    || !strategy.variants.isEmpty
            } || !toggle.variants.isEmpty
        }
    }

    func evaluate(flagAt index: Int, _ context: EvaluationContext, _ clock: EvaluationClock) -> EvaluationOutcome {
        var outcome = EvaluationOutcome(flagIndex: index, variantIndex: Self.disabledIndex, reason: .defaultValue)
        if fastPath.evaluate(index, context, into: &outcome) { return outcome }
        return evaluateGenerally(flagAt: index, context, clock)
    }

    /// The general path: the toggle set's own decision.
    private func evaluateGenerally(flagAt index: Int, _ context: EvaluationContext, _ clock: EvaluationClock) -> EvaluationOutcome {
        let compiled = toggles[index]
        var outcome = EvaluationOutcome(flagIndex: index, variantIndex: Self.disabledIndex, reason: .defaultValue)
        guard let toggle = set.toggles[compiled.name] else { return outcome }
        guard toggle.enabled else {
            outcome.reason = .flagDisabled
            return outcome
        }
        let now = readsTime ? (context.timestamp ?? clock.now()) : 0
        let decision = set.decide(toggle, UnleashContext(context), now, { UInt32.random(in: 1...100) }, depth: 0,
                                  rolloutStrategy: compiled.rolloutStrategy)
        if decision.dependencyFailed {
            outcome.reason = .prerequisiteFailed
            return outcome
        }
        if let on = decision.rolloutOn { outcome.rolloutOutcome = on ? .hit : .miss }
        guard decision.result.enabled else { return outcome }
        outcome.variantIndex = decision.variantSlot.map { slot in
            Int(slot.strategy.map { compiled.strategyVariantIndexes[$0][slot.position] } ?? compiled.toggleVariantIndexes[slot.position])
        } ?? Self.enabledIndex
        if let strategy = decision.strategyIndex, strategy == compiled.rolloutStrategy {
            outcome.reason = .rolloutMatch
        } else if compiled.variantsAreSplit && decision.variantDrawn {
            outcome.reason = .split
            outcome.rolloutOutcome = .hit
        } else if decision.strategyIndex.map(compiled.staticStrategies.contains) ?? true {
            outcome.reason = .staticValue
        } else {
            outcome.reason = .targetingMatch
        }
        return outcome
    }
}

extension FlagSet {
    /// The strategies whose percentage is a rollout.
    static let unleashPercentageStrategies: Set<String> = [
        "flexibleRollout", "gradualRolloutUserId", "gradualRolloutSessionId", "gradualRolloutRandom",
    ]

    /// A set that Unleash's rules decide, toggle for toggle as ``UnleashToggleSet/evaluate(_:context:now:random:)``
    /// does (``UnleashEngine`` says what each decision is reported as).
    ///
    /// Its definitions describe each toggle for reports and metrics: entries `disabled`, `enabled` and the variants
    /// (each serving its payload's value, else `true`); state `disabled` for `enabled: false`, `rollout` at the
    /// percentage of its one percentage strategy (or a `split` of its one list of variants), else `enabled`.
    public init(unleash: UnleashToggleSet, info: FlagSetInfo) {
        var definitions: [FlagDefinition] = []
        var toggles: [UnleashEngine.Toggle] = []
        for name in unleash.names {
            guard let toggle = unleash.toggles[name] else { continue }
            var variants = [Variant(name: "disabled", value: .bool(false)), Variant(name: "enabled", value: .bool(true))]
            // One entry per name and served value: Unleash lists a toggle's variants and each strategy's apart, and two
            // lists may give one name different payloads (or a variant may be called `enabled` or `disabled`).
            func entry(_ variant: UnleashVariant) -> Int32 {
                let value = variant.servedValue ?? .bool(true)
                if let found = variants.firstIndex(where: { $0.name.hasSameCodePoints(as: variant.name) && $0.value.isIdentical(to: value) }) {
                    return Int32(found)
                }
                variants.append(Variant(name: variant.name, value: value))
                return Int32(variants.count - 1)
            }
            let toggleVariantIndexes = toggle.variants.map(entry)
            let strategyVariantIndexes = toggle.strategies.map { $0.variants.map(entry) }
            let lists = ([toggle.variants] + toggle.strategies.map(\.variants)).filter { !$0.isEmpty }
            let percentageStrategies = toggle.strategies.indices.filter { Self.unleashPercentageStrategies.contains(toggle.strategies[$0].name) }
            let rolloutStrategy = percentageStrategies.count == 1 ? percentageStrategies[0] : nil
            let splitWeights = lists.count == 1 && rolloutStrategy == nil
                ? lists[0].filter { $0.weight > 0 }.map { SplitWeight(variant: $0.name, weight: Double($0.weight)) } : []
            var state = FlagState.enabled
            var rollout: Rollout?
            if !toggle.enabled {
                state = .disabled
            } else if let rolloutStrategy {
                let strategy = toggle.strategies[rolloutStrategy]
                let percentage = strategy.name == "flexibleRollout" ? strategy.compiled.rollout : strategy.compiled.percentage
                state = .rollout
                rollout = Rollout(strategy: .percentage(Double(min(max(percentage, 0), 100))), variant: "enabled")
            } else if !splitWeights.isEmpty {
                state = .rollout
                rollout = Rollout(strategy: .split(splitWeights))
            }
            let staticStrategies = Set(toggle.strategies.indices.filter {
                toggle.strategies[$0].name == "default" && toggle.strategies[$0].constraints.isEmpty && toggle.strategies[$0].segments.isEmpty
            })
            definitions.append(
                FlagDefinition(key: name, state: state, defaultVariant: "disabled", variants: variants, rollout: rollout,
                               dependencies: toggle.dependencies.map(\.feature)))
            toggles.append(
                UnleashEngine.Toggle(
                    name: name, rolloutStrategy: rolloutStrategy, variantsAreSplit: !splitWeights.isEmpty,
                    toggleVariantIndexes: toggleVariantIndexes, strategyVariantIndexes: strategyVariantIndexes,
                    staticStrategies: staticStrategies))
        }
        self.init(foreign: .unleash(UnleashEngine(set: unleash, toggles: toggles)), definitions: definitions, info: info)
    }
}
