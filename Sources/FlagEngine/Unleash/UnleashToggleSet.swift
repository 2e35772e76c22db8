/// What an Unleash SDK reports for a toggle: whether it is enabled, and the variant.
public struct UnleashResult: Sendable, Hashable {
    public var enabled: Bool
    /// The variant's name; `disabled` when the toggle is off or has no variants.
    public var variant: String
    public var variantEnabled: Bool
    public var payload: FlagValue?
    /// What OFREP and the metrics serve: the variant's ``UnleashVariant/servedValue`` (`true` without a payload), or
    /// whether the toggle is on when no variant was drawn.
    public var servedValue: FlagValue
    /// The toggle does not exist.
    public var notFound: Bool

    public init(enabled: Bool, variant: String = "disabled", variantEnabled: Bool = false, payload: FlagValue? = nil,
                servedValue: FlagValue? = nil, notFound: Bool = false) {
        self.enabled = enabled
        self.variant = variant
        self.variantEnabled = variantEnabled
        self.payload = payload
        self.servedValue = servedValue ?? .bool(enabled)
        self.notFound = notFound
    }
}

/// A client-API payload, compiled: toggles by name (in payload order) and segments by id.
public struct UnleashToggleSet: Sendable, Hashable {
    public var toggles: [String: UnleashToggle]
    public var names: [String]
    public var segments: [Int: [UnleashConstraint]]
    /// The host name `applicationHostname` compares with.
    public var hostname: String

    public init(toggles: [UnleashToggle], segments: [Int: [UnleashConstraint]] = [:], hostname: String = "") {
        self.toggles = Dictionary(toggles.map { ($0.name, $0) }) { _, last in last }
        self.names = toggles.map(\.name)
        self.segments = segments
        self.hostname = hostname
    }

    /// Evaluates `name` as the Unleash SDKs do (`isEnabled` and `getVariant` in one), at `now` (unix seconds).
    /// `random` gives 1...100 for the random stickiness and `gradualRolloutRandom`.
    public func evaluate(_ name: String, context: UnleashContext, now: Double,
                         random: () -> UInt32 = { UInt32.random(in: 1...100) }) -> UnleashResult {
        guard let toggle = toggles[name] else { return UnleashResult(enabled: false, notFound: true) }
        return decide(toggle, context, now, random, depth: 0).result
    }

    /// How a toggle decided: the SDKs' answer, and the steps that led to it.
    struct Decision {
        var result: UnleashResult
        /// A dependency did not hold.
        var dependencyFailed = false
        /// The index of the strategy that enabled the toggle.
        var strategyIndex: Int?
        /// The strategy at `rolloutStrategy` was reached (its constraints and segments held) and was on or off.
        var rolloutOn: Bool?
        /// The variant was drawn by weight, not chosen by an override.
        var variantDrawn = false
        /// Where the served variant is listed: two lists may each hold a variant of the same name with its own
        /// payload, so the name alone does not say which value was served.
        var variantSlot: UnleashVariantSlot?
    }

    /// The toggle's decision; `rolloutStrategy` names the strategy whose reaching is reported in ``Decision/rolloutOn``.
    func decide(_ toggle: UnleashToggle, _ context: UnleashContext, _ now: Double, _ random: () -> UInt32,
                depth: Int, rolloutStrategy: Int? = nil) -> Decision {
        guard toggle.enabled else { return Decision(result: UnleashResult(enabled: false)) }
        guard dependenciesHold(toggle, context, now, random, depth: depth) else {
            return Decision(result: UnleashResult(enabled: false), dependencyFailed: true)
        }
        var decision = Decision(result: UnleashResult(enabled: true))
        var winning: UnleashStrategy?
        if !toggle.strategies.isEmpty {
            for (index, strategy) in toggle.strategies.enumerated() where applies(strategy, context, now) {
                let on = UnleashStrategies.isOn(strategy, toggleName: toggle.name, context: context, hostname: hostname, random: random)
                // A user the strategy cannot bucket (no id for its stickiness) is off, but was not in the rollout's
                // population: counting it `out` would pull the realised share below the configured one.
                if index == rolloutStrategy, UnleashStrategies.hasBucketingID(strategy, context) { decision.rolloutOn = on }
                if on {
                    winning = strategy
                    decision.strategyIndex = index
                    break
                }
            }
            guard winning != nil else {
                decision.result = UnleashResult(enabled: false)
                return decision
            }
        }
        // The enabling strategy's variants win; otherwise the toggle's.
        var selected: (slot: UnleashVariantSlot, overridden: Bool)?
        if let strategy = winning, let strategyIndex = decision.strategyIndex, !strategy.variants.isEmpty,
            let pick = UnleashVariants.select(strategy.variants, groupID: strategy.compiled.groupID ?? toggle.name,
                                              context: context, now: now, random: random)
        {
            selected = (UnleashVariantSlot(strategy: strategyIndex, position: pick.position), pick.overridden)
        }
        if selected == nil,
            let pick = UnleashVariants.select(toggle.variants, groupID: toggle.name, context: context, now: now, random: random)
        {
            selected = (UnleashVariantSlot(strategy: nil, position: pick.position), pick.overridden)
        }
        if let (slot, overridden) = selected {
            let variant = toggle.variant(at: slot)
            decision.result = UnleashResult(enabled: true, variant: variant.name, variantEnabled: true, payload: variant.payload,
                                            servedValue: variant.servedValue)
            decision.variantDrawn = !overridden
            decision.variantSlot = slot
        }
        return decision
    }

    /// Every dependency holds: the parent exists, has no dependencies of its own (one level, as Unleash allows), and
    /// is enabled (with one of the variants, when listed) or disabled as asked.
    private func dependenciesHold(_ toggle: UnleashToggle, _ context: UnleashContext, _ now: Double, _ random: () -> UInt32, depth: Int) -> Bool {
        for dependency in toggle.dependencies {
            guard depth == 0, let parent = toggles.value(forCodePoints: dependency.feature), parent.dependencies.isEmpty else { return false }
            let result = decide(parent, context, now, random, depth: depth + 1).result
            if dependency.enabled {
                guard result.enabled else { return false }
                if !dependency.variants.isEmpty, !dependency.variants.containsElement(withCodePointsOf: result.variant) { return false }
            } else if result.enabled {
                return false
            }
        }
        return true
    }

    /// Whether every segment the strategy names exists and holds, and every constraint holds.
    private func applies(_ strategy: UnleashStrategy, _ context: UnleashContext, _ now: Double) -> Bool {
        for id in strategy.segments {
            guard let constraints = segments[id], constraints.allSatisfy({ $0.holds(for: context, now: now) }) else { return false }
        }
        return strategy.constraints.allSatisfy { $0.holds(for: context, now: now) }
    }
}

/// Where a variant is listed in its toggle: in strategy `strategy`'s variants, or (`nil`) in the toggle's own.
struct UnleashVariantSlot: Hashable {
    var strategy: Int?
    var position: Int
}

extension UnleashToggle {
    func variant(at slot: UnleashVariantSlot) -> UnleashVariant {
        slot.strategy.map { strategies[$0].variants[slot.position] } ?? variants[slot.position]
    }
}
