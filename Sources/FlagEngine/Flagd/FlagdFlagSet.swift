/// One flag of a flagd flag definition file (flagd's `flags.<key>`), compiled.
public struct FlagdFlag: Sendable, Hashable {
    public var key: String
    /// `state: ENABLED`; a disabled flag resolves to an error, as flagd reports it.
    public var isEnabled: Bool
    /// The variants in file order, by name.
    public var variants: [(name: String, value: FlagValue)] {
        get { variantNames.map { ($0, variantValues[$0]!) } }
        set {
            variantNames = newValue.map(\.name)
            variantValues = Dictionary(newValue.map { ($0.name, $0.value) }) { _, last in last }
        }
    }
    /// `defaultVariant`; `nil` (JSON null) means the caller's own default.
    public var defaultVariant: String?
    /// `targeting`; `nil` when absent or `{}`.
    public var targeting: LogicExpression?
    /// Why the targeting could not be read, when it names a `$ref` that `$evaluators` lacks: flagd loads such a flag
    /// and answers it with `PARSE_ERROR` (the caller's default value), and so does this engine.
    public var targetingError: String?
    /// The flag's `metadata`, over the flag set's.
    public var metadata: [String: FlagValue]

    private var variantNames: [String] = []
    private var variantValues: [String: FlagValue] = [:]

    public init(key: String, isEnabled: Bool, variants: [(name: String, value: FlagValue)], defaultVariant: String?,
                targeting: LogicExpression?, targetingError: String? = nil, metadata: [String: FlagValue] = [:]) {
        self.key = key
        self.isEnabled = isEnabled
        self.defaultVariant = defaultVariant
        self.targeting = targeting
        self.targetingError = targetingError
        self.metadata = metadata
        self.variants = variants
    }

    /// The value of the variant called `name`.
    public func value(of name: String) -> FlagValue? { variantValues.value(forCodePoints: name) }

    public static func == (a: FlagdFlag, b: FlagdFlag) -> Bool {
        a.key == b.key && a.isEnabled == b.isEnabled && a.variantNames == b.variantNames && a.variantValues == b.variantValues
            && a.defaultVariant == b.defaultVariant && a.targeting == b.targeting && a.metadata == b.metadata
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

/// How a flagd flag resolved, in flagd's terms.
public struct FlagdResolution: Sendable, Hashable {
    /// The variant served; `nil` when the caller's default applies (an error, or a null default variant).
    public var variant: String?
    public var value: FlagValue?
    /// `STATIC` (no targeting), `TARGETING_MATCH`, `DEFAULT` (targeting gave null or an unknown variant), `DISABLED`
    /// or `ERROR`.
    public var reason: FlagdReason
    public var errorCode: EvaluationErrorCode?

    public init(variant: String? = nil, value: FlagValue? = nil, reason: FlagdReason, errorCode: EvaluationErrorCode? = nil) {
        self.variant = variant
        self.value = value
        self.reason = reason
        self.errorCode = errorCode
    }
}

/// flagd's evaluation reasons.
public enum FlagdReason: String, Sendable, Hashable, CaseIterable {
    case staticValue = "STATIC"
    case targetingMatch = "TARGETING_MATCH"
    case defaultValue = "DEFAULT"
    case disabled = "DISABLED"
    case error = "ERROR"
}

/// A flagd flag definition file, compiled: the flags, and the flag set's metadata.
public struct FlagdFlagSet: Sendable, Hashable {
    public var flags: [String: FlagdFlag]
    /// The flag keys in file order.
    public var keys: [String]
    public var metadata: [String: FlagValue]

    public init(flags: [FlagdFlag], metadata: [String: FlagValue] = [:]) {
        self.flags = Dictionary(flags.map { ($0.key, $0) }) { _, last in last }
        self.keys = flags.map(\.key)
        self.metadata = metadata
    }

    /// Resolves `key` for `context` at `now` (unix seconds), as flagd does:
    /// - a missing flag is FLAG_NOT_FOUND (reason ERROR);
    /// - one whose targeting names a missing `$ref` is PARSE_ERROR (reason ERROR), the caller's default;
    /// - a disabled one resolves with reason DISABLED and no variant or value, the caller's code default (flagd since
    ///   its disabled-flag ADR, open-feature/flagd#1965; before it, an error);
    /// - without targeting, the default variant, STATIC (DEFAULT when `defaultVariant` is null or absent);
    /// - targeting that gives a variant's name (a boolean names the variant `"true"`/`"false"`) is TARGETING_MATCH;
    ///   null, a name no variant has, or an operator's error falls back to the default variant, DEFAULT.
    public func resolve(_ key: String, context: EvaluationContext, now: Double) -> FlagdResolution {
        guard let flag = flags.value(forCodePoints: key) else { return FlagdResolution(reason: .error, errorCode: .flagNotFound) }
        guard flag.isEnabled else { return FlagdResolution(reason: .disabled) }
        if flag.targetingError != nil { return FlagdResolution(reason: .error, errorCode: .parseError) }
        guard let targeting = flag.targeting else { return Self.fallback(flag, reason: .staticValue) }
        let scope = LogicScope(context: context, flagKey: key, now: now)
        guard let result = try? targeting.evaluate(scope), let name = Self.variantName(result), let value = flag.value(of: name) else {
            return Self.fallback(flag, reason: .defaultValue)
        }
        return FlagdResolution(variant: name, value: value, reason: .targetingMatch)
    }

    /// The variant a targeting result names: text as it is, a boolean as `"true"`/`"false"`, a number as JavaScript
    /// writes it; `nil` (the default variant) for anything else.
    static func variantName(_ result: FlagValue) -> String? {
        switch result {
        case .string(let text): text
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): FlagValue.javaScriptText(value)
        default: nil
        }
    }

    private static func fallback(_ flag: FlagdFlag, reason: FlagdReason) -> FlagdResolution {
        // No default variant: the caller's default, DEFAULT even without targeting (flagd's testbed, null-default-flag).
        guard let name = flag.defaultVariant, let value = flag.value(of: name) else { return FlagdResolution(reason: .defaultValue) }
        return FlagdResolution(variant: name, value: value, reason: reason)
    }

    /// The data targeting reads: the context's attributes by their names, `targetingKey`, and `$flagd` with the flag
    /// key and the evaluation time in whole unix seconds.
    public static func data(_ context: EvaluationContext, flagKey: String, now: Double) -> FlagValue {
        var members: [String: FlagValue] = [:]
        for (name, attribute) in context.customAttributes { members[name] = FlagValue(attribute) }
        if let userID = context.userID { members["targetingKey"] = .string(userID) }
        if let userType = context.userType { members["user_type"] = .string(userType) }
        if let environment = context.environment { members["environment"] = .string(environment) }
        if let requestID = context.requestID { members["request_id"] = .string(requestID) }
        members["$flagd"] = flagdObject(context, flagKey: flagKey, now: now)
        return .object(members)
    }

    /// `$flagd`: the flag key and the evaluation time (the context's, else `now`) in whole unix seconds.
    static func flagdObject(_ context: EvaluationContext, flagKey: String, now: Double) -> FlagValue {
        .object(["flagKey": .string(flagKey), "timestamp": .int(Int((context.timestamp ?? now).rounded(.down)))])
    }
}

extension FlagValue {
    /// The same data as a context attribute holds it.
    public init(_ attribute: AttributeValue) {
        switch attribute {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .list(let elements): self = .list(elements.map(FlagValue.init))
        case .object(let members): self = .object(members.mapValues(FlagValue.init))
        }
    }
}
