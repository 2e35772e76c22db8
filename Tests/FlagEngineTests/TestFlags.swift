import FlagEngine

/// Small builders shared by the engine tests.
enum TestFlags {
    static let onOff = [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))]

    static func rule(_ name: String, _ condition: String, _ variant: String = "on", priority: Int = 0) -> TargetingRule {
        TargetingRule(name: name, condition: try! Condition(parsing: condition), variant: variant, priority: priority)
    }

    static func flag(
        _ key: String,
        state: FlagState = .rollout,
        variants: [Variant] = onOff,
        defaultVariant: String = "off",
        rollout: Rollout? = nil,
        rules: [TargetingRule] = [],
        dependencies: [String] = [],
        parent: String? = nil
    ) -> FlagDefinition {
        FlagDefinition(
            key: key, state: state, defaultVariant: defaultVariant, variants: variants, rollout: rollout,
            targetingRules: rules, dependencies: dependencies, parentFlag: parent)
    }

    static func set(_ flags: FlagDefinition...) -> FlagSet { try! FlagSet(flags: flags) }

    static func user(_ id: String?, type: String? = nil, _ attributes: [String: AttributeValue] = [:])
        -> EvaluationContext
    {
        EvaluationContext(userID: id, userType: type, customAttributes: attributes)
    }
}
