/// The engine of a set loaded from another flag system (flagd, Unleash).
///
/// Each decides by its own system's rules and answers in the exporter's terms, an ``EvaluationOutcome`` indexing the
/// set's ``FlagSet/definitions``, so metrics, OFREP, canaries, the mirror and `simulate` work on every format alike.
enum ForeignEngine: Sendable {
    case flagd(FlagdEngine)
    case unleash(UnleashEngine)

    var format: FlagSetFormat {
        switch self {
        case .flagd: .flagd
        case .unleash: .unleash
        }
    }

    /// Whether the same context can get a different answer at another call: a random draw, or rules that read the
    /// time.
    var answersVary: Bool {
        switch self {
        case .flagd(let engine): engine.readsTime
        case .unleash(let engine): engine.mayDrawAtRandom || engine.readsTime
        }
    }
}

extension FlagSet {
    /// The flag system this set was loaded from.
    public var format: FlagSetFormat { storage.foreign?.format ?? .seed }

    /// The flagd definitions this set was loaded from, for answers in flagd's own terms (`eval`, `check`).
    public var flagdDefinitions: FlagdFlagSet? {
        if case .flagd(let engine)? = storage.foreign { return engine.source }
        return nil
    }

    /// The Unleash toggles this set was loaded from, for answers in the SDKs' own terms (`eval`, `check`).
    public var unleashToggles: UnleashToggleSet? {
        if case .unleash(let engine)? = storage.foreign { return engine.set }
        return nil
    }

    /// Whether the same context may get a different answer from one call to the next (a random draw, or a rule that
    /// reads the time) even when the set and the context's `timestamp` stay the same. Always false for the seed
    /// format, whose gradual rollouts move with the context's time only.
    public var answersVaryBetweenCalls: Bool { storage.foreign?.answersVary ?? false }

    /// Whether an outcome carries no value of its own: flagd's disabled flags and its `defaultVariant: null` leave the
    /// value to the caller's code default (OFREP answers them without `value` and `variant`).
    public func servesCodeDefault(_ outcome: EvaluationOutcome) -> Bool {
        guard case .flagd(let engine)? = storage.foreign else { return false }
        return engine.isCodeDefault(outcome)
    }

    /// A set over `definitions` (for reports, metrics and the key index) that `engine` decides.
    init(foreign engine: ForeignEngine, definitions: [FlagDefinition], info: FlagSetInfo) {
        var flags: [CompiledFlag] = []
        var keyBytes: [UInt8] = []
        var truthiness: [Bool] = []
        flags.reserveCapacity(definitions.count)
        for definition in definitions {
            let prefixStart = Int32(keyBytes.count)
            keyBytes += Array(definition.key.utf8)
            keyBytes.append(UInt8(ascii: ":"))
            func index(_ name: String) -> Int32 { Int32(definition.variants.firstIndex { $0.name.hasSameCodePoints(as: name) } ?? 0) }
            var kind = RolloutKind.none
            var fraction = 0.0
            if definition.state == .rollout {
                switch definition.rollout?.strategy {
                case .percentage(let percentage)?:
                    kind = .percentage
                    fraction = percentage / 100
                case .split?: kind = .split
                default: break
                }
            }
            flags.append(
                CompiledFlag(
                    state: definition.state, rolloutKind: kind, bucketField: .wellKnown(.userID), sticky: true,
                    defaultIndex: index(definition.defaultVariant), enabledIndex: index(definition.enabledVariant),
                    variantStart: Int32(truthiness.count), rulesStart: 0, rulesCount: 0, prerequisitesStart: 0,
                    prerequisitesCount: 0, prefixStart: prefixStart, prefixCount: Int32(keyBytes.count) - prefixStart,
                    extraIndex: 0, customBucketIndex: 0, fraction: fraction))
            truthiness += definition.variants.map(\.value.isTruthy)
        }
        self.init(
            storage: FlagSetStorage(
                definitions: definitions, settings: GlobalSettings(), info: info, extras: CompiledExtras(),
                flags: flags, rules: [], conditions: [], prerequisites: [], keyBytes: keyBytes,
                variantTruthiness: truthiness, foreign: engine))
    }
}
