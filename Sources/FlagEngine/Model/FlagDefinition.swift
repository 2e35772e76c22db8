/// A flag's lifecycle state.
public enum FlagState: String, Sendable, CaseIterable, Hashable, BitwiseCopyable {
    /// Everyone gets the enabled variant (after dependencies and rules).
    case enabled
    /// Everyone gets the default variant; rules are not consulted.
    case disabled
    /// The rollout strategy decides.
    case rollout
}

/// One named variant of a flag and its value.
public struct Variant: Sendable, Hashable {
    public var name: String
    public var value: FlagValue

    public init(name: String, value: FlagValue) {
        self.name = name
        self.value = value
    }
}

/// A targeting rule: when its condition matches, the flag serves `variant`.
public struct TargetingRule: Sendable {
    /// The rule's name, reported as `rule` in evaluation results.
    public var name: String
    /// The compiled condition.
    public var condition: Condition
    /// The variant served on a match.
    public var variant: String
    /// Higher runs first; ties keep file order.
    public var priority: Int

    public init(name: String, condition: Condition, variant: String, priority: Int = 0) {
        self.name = name
        self.condition = condition
        self.variant = variant
        self.priority = priority
    }
}

/// A flag as the configuration describes it, before compilation into a ``FlagSet``.
public struct FlagDefinition: Sendable {
    /// The flag key, `[A-Za-z_][A-Za-z0-9_.-]{0,127}`.
    public var key: String
    public var state: FlagState
    /// The variant served when nothing else applies.
    public var defaultVariant: String
    /// The variants in file order; order matters for the enabled variant and for splits.
    public var variants: [Variant]
    /// How a `rollout` flag chooses; `nil` means a percentage rollout at the global default percentage.
    public var rollout: Rollout?
    /// Rules in file order; evaluation sorts them by priority, ties in file order.
    public var targetingRules: [TargetingRule]
    /// Flags that must evaluate truthy for the same context first (`dependencies`, also read from metadata).
    public var dependencies: [String]
    /// `metadata.parent_flag`: one more prerequisite.
    public var parentFlag: String?
    /// Free-form metadata (phase, description, owner, ...), kept for reports and `feature_flag_info`.
    public var metadata: FlagMetadata

    public init(
        key: String,
        state: FlagState,
        defaultVariant: String,
        variants: [Variant],
        rollout: Rollout? = nil,
        targetingRules: [TargetingRule] = [],
        dependencies: [String] = [],
        parentFlag: String? = nil,
        metadata: FlagMetadata = [:]
    ) {
        self.key = key
        self.state = state
        self.defaultVariant = defaultVariant
        self.variants = variants
        self.rollout = rollout
        self.targetingRules = targetingRules
        self.dependencies = dependencies
        self.parentFlag = parentFlag
        self.metadata = metadata
    }

    /// Every prerequisite: `dependencies` then `parent_flag`, without repeats.
    public var prerequisites: [String] {
        var all = dependencies
        if let parentFlag, !all.contains(parentFlag) { all.append(parentFlag) }
        return all
    }

    /// The variant a rollout hit or an enabled flag serves: `rollout.variant`, else `on`, else the first variant in
    /// file order that is not the default, else the default.
    public var enabledVariant: String {
        if let chosen = rollout?.variant { return chosen }
        if variants.contains(where: { $0.name == "on" }) { return "on" }
        return variants.first(where: { $0.name != defaultVariant })?.name ?? defaultVariant
    }

    /// How the flag decides, as `check` and `simulate` both show it: the rollout's strategy (`percentage` for a
    /// rollout flag without one) while the state is `rollout`; `none` when the state alone decides (enabled or
    /// disabled), whatever rollout section the file still carries.
    public var effectiveStrategyName: String {
        guard state == .rollout else { return "none" }
        return rollout?.strategy.name ?? "percentage"
    }

    /// The variant the flag serves to users its rules do not target: the default when disabled, the enabled variant
    /// when enabled or for a rollout hit (a split serves several, by weight).
    public var servedVariant: String {
        state == .disabled ? defaultVariant : enabledVariant
    }

    /// `metadata.phase` as an integer, when present.
    public var phase: Int? {
        switch metadata["phase"] {
        case .int(let number): number
        case .double(let number) where number == number.rounded(): Int(number)
        case .string(let text): Int(text)
        default: nil
        }
    }

    /// `metadata.description`, when present.
    public var description: String? {
        if case .string(let text) = metadata["description"] { return text }
        return nil
    }
}
