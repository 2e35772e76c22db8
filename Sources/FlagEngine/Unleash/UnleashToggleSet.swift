/// What an Unleash SDK reports for a toggle: whether it is enabled, and the variant.
public struct UnleashResult: Sendable, Hashable {
    public var enabled: Bool
    /// The variant's name; `disabled` when the toggle is off or has no variants.
    public var variant: String
    public var variantEnabled: Bool
    public var payload: FlagValue?
    /// The toggle does not exist.
    public var notFound: Bool

    public init(enabled: Bool, variant: String = "disabled", variantEnabled: Bool = false, payload: FlagValue? = nil, notFound: Bool = false) {
        self.enabled = enabled
        self.variant = variant
        self.variantEnabled = variantEnabled
        self.payload = payload
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
        return evaluate(toggle, context, now, random, depth: 0)
    }

    private func evaluate(_ toggle: UnleashToggle, _ context: UnleashContext, _ now: Double, _ random: () -> UInt32, depth: Int) -> UnleashResult {
        guard toggle.enabled, dependenciesHold(toggle, context, now, random, depth: depth) else { return UnleashResult(enabled: false) }
        var winning: UnleashStrategy?
        if !toggle.strategies.isEmpty {
            guard let strategy = toggle.strategies.first(where: { isOn($0, toggle, context, now, random) }) else {
                return UnleashResult(enabled: false)
            }
            winning = strategy
        }
        // The enabling strategy's variants win; otherwise the toggle's.
        if let strategy = winning, !strategy.variants.isEmpty {
            let groupID = strategy.compiled.groupID ?? toggle.name
            if let variant = UnleashVariants.select(strategy.variants, groupID: groupID, context: context, now: now, random: random) {
                return UnleashResult(enabled: true, variant: variant.name, variantEnabled: true, payload: variant.payload)
            }
        }
        if let variant = UnleashVariants.selectForToggle(toggle, context: context, now: now, random: random) {
            return UnleashResult(enabled: true, variant: variant.name, variantEnabled: true, payload: variant.payload)
        }
        return UnleashResult(enabled: true)
    }

    /// Every dependency holds: the parent exists, has no dependencies of its own (one level, as Unleash allows), and
    /// is enabled (with one of the variants, when listed) or disabled as asked.
    private func dependenciesHold(_ toggle: UnleashToggle, _ context: UnleashContext, _ now: Double, _ random: () -> UInt32, depth: Int) -> Bool {
        for dependency in toggle.dependencies {
            guard depth == 0, let parent = toggles[dependency.feature], parent.dependencies.isEmpty else { return false }
            let result = evaluate(parent, context, now, random, depth: depth + 1)
            if dependency.enabled {
                guard result.enabled else { return false }
                if !dependency.variants.isEmpty, !dependency.variants.contains(result.variant) { return false }
            } else if result.enabled {
                return false
            }
        }
        return true
    }

    private func isOn(_ strategy: UnleashStrategy, _ toggle: UnleashToggle, _ context: UnleashContext, _ now: Double,
                      _ random: () -> UInt32) -> Bool {
        for id in strategy.segments {
            guard let constraints = segments[id], constraints.allSatisfy({ $0.holds(for: context, now: now) }) else { return false }
        }
        guard strategy.constraints.allSatisfy({ $0.holds(for: context, now: now) }) else { return false }
        return UnleashStrategies.isOn(strategy, toggleName: toggle.name, context: context, hostname: hostname, random: random)
    }
}
