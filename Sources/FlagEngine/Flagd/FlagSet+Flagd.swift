extension FlagSet {
    /// The name of the entry that stands for "no value": the caller's code default, which flagd serves for a disabled
    /// flag and for `defaultVariant: null` (a flag with a variant of this name gets underscores appended).
    public static let codeDefaultVariant = "code_default"

    /// A set that flagd's rules decide, flag for flag as ``FlagdFlagSet/resolve(_:context:now:)`` does.
    ///
    /// Its definitions describe each flag for reports and metrics: the variants in file order (and a
    /// ``codeDefaultVariant`` entry with a null value when the flag can serve the code default: disabled, a null
    /// `defaultVariant`, or targeting naming a missing `$ref`, answered `PARSE_ERROR`); state `disabled`,
    /// `rollout` with a `split` of the configured weights when the targeting ends in a `fractional` of fixed buckets,
    /// else `enabled`; and the flag's metadata over the set's.
    public init(flagd: FlagdFlagSet, info: FlagSetInfo) {
        var definitions: [FlagDefinition] = []
        var flags: [FlagdEngine.Flag] = []
        for key in flagd.keys {
            guard let source = flagd.flags[key] else { continue }
            var variants = source.variants.map { Variant(name: $0.name, value: $0.value) }
            var indexes: [String: Int32] = [:]
            for (index, variant) in variants.enumerated() where indexes[variant.name] == nil { indexes[variant.name] = Int32(index) }
            var codeDefaultIndex: Int32 = -1
            if !source.isEnabled || source.targetingError != nil || source.defaultVariant.flatMap({ indexes.value(forCodePoints: $0) }) == nil {
                var name = Self.codeDefaultVariant
                while indexes[name] != nil { name += "_" }
                codeDefaultIndex = Int32(variants.count)
                variants.append(Variant(name: name, value: .null))
            }
            let defaultIndex = source.defaultVariant.flatMap { indexes.value(forCodePoints: $0) } ?? codeDefaultIndex
            let plan = FlagdPlan(source.targeting) { indexes.value(forCodePoints: $0) }
            var state = FlagState.enabled
            var rollout: Rollout?
            if !source.isEnabled {
                state = .disabled
            } else if let split = plan.split {
                state = .rollout
                rollout = Rollout(
                    strategy: .split(split.weights.filter { indexes[$0.name] != nil }.map { SplitWeight(variant: $0.name, weight: Double($0.weight)) }),
                    sticky: true)
            }
            var metadata = flagd.metadata
            for (name, value) in source.metadata { metadata[name] = value }
            definitions.append(
                FlagDefinition(
                    key: key, state: state, defaultVariant: variants[Int(defaultIndex)].name, variants: variants,
                    rollout: rollout, metadata: FlagMetadata(metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })))
            flags.append(
                FlagdEngine.Flag(
                    key: key, isEnabled: source.isEnabled, targetingIsBroken: source.targetingError != nil, plan: plan,
                    defaultIndex: defaultIndex, codeDefaultIndex: codeDefaultIndex, variantIndexes: indexes,
                    readsTime: source.targeting?.readsTime ?? false))
        }
        self.init(foreign: .flagd(FlagdEngine(flags: flags, source: flagd)), definitions: definitions, info: info)
    }
}
