/// Unleash feature toggles as the client API (`/api/client/features`) delivers them to SDKs and Unleash Edge.
public struct UnleashToggle: Sendable, Hashable {
    public var name: String
    public var enabled: Bool
    public var strategies: [UnleashStrategy]
    /// Toggle-level variants (used when the enabling strategy has none).
    public var variants: [UnleashVariant]
    public var dependencies: [UnleashDependency]

    public init(name: String, enabled: Bool, strategies: [UnleashStrategy] = [], variants: [UnleashVariant] = [],
                dependencies: [UnleashDependency] = []) {
        self.name = name
        self.enabled = enabled
        self.strategies = strategies
        self.variants = variants
        self.dependencies = dependencies
    }
}

/// One activation strategy: its name and parameters, constraints, segment ids and strategy variants.
public struct UnleashStrategy: Sendable, Hashable {
    public var name: String
    /// The parameters as the API carries them (text); read once into ``compiled`` whenever they are set.
    public var parameters: [String: String] {
        didSet { compiled = CompiledParameters(parameters) }
    }
    /// The parameters the strategies read, parsed once instead of at every evaluation.
    private(set) var compiled: CompiledParameters

    struct CompiledParameters: Sendable, Hashable {
        var rollout: Int
        var percentage: Int
        var groupID: String?
        var stickiness: String
        var userIDs: [String]
        var hostNames: [String]

        init(_ parameters: [String: String]) {
            rollout = UnleashStrategies.percentage(parameters["rollout"])
            percentage = UnleashStrategies.percentage(parameters["percentage"])
            groupID = parameters["groupId"].flatMap { $0.isEmpty ? nil : $0 }
            stickiness = parameters["stickiness"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            userIDs = UnleashStrategies.list(parameters["userIds"])
            hostNames = UnleashStrategies.list(parameters["hostNames"]).map { $0.lowercasedAsUnicode() }
        }
    }
    public var constraints: [UnleashConstraint]
    public var segments: [Int]
    public var variants: [UnleashVariant]

    public init(name: String, parameters: [String: String] = [:], constraints: [UnleashConstraint] = [],
                segments: [Int] = [], variants: [UnleashVariant] = []) {
        self.name = name
        self.parameters = parameters
        self.compiled = CompiledParameters(parameters)
        self.constraints = constraints
        self.segments = segments
        self.variants = variants
    }
}

/// A constraint on one context field.
public struct UnleashConstraint: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case `in` = "IN", notIn = "NOT_IN"
        case stringContains = "STR_CONTAINS", stringStartsWith = "STR_STARTS_WITH", stringEndsWith = "STR_ENDS_WITH"
        case numberEqual = "NUM_EQ", numberGreater = "NUM_GT", numberGreaterOrEqual = "NUM_GTE"
        case numberLess = "NUM_LT", numberLessOrEqual = "NUM_LTE"
        case dateAfter = "DATE_AFTER", dateBefore = "DATE_BEFORE"
        case semVerEqual = "SEMVER_EQ", semVerGreater = "SEMVER_GT", semVerGreaterOrEqual = "SEMVER_GTE"
        case semVerLess = "SEMVER_LT", semVerLessOrEqual = "SEMVER_LTE"
        case regex = "REGEX"
        case inCIDR = "IN_CIDR"
    }

    public let contextName: String
    /// `nil` for an operator this engine does not know: the constraint is then false, as the SDKs treat it.
    public let operation: Operator?
    public let values: [String]
    public let value: String?
    public let caseInsensitive: Bool
    public let inverted: Bool
    /// What an operator reads of `value`/`values`, prepared once here rather than at every evaluation.
    enum Prepared: Sendable, Hashable {
        case none
        /// `REGEX`: the pattern compiled (with `caseInsensitive`), or why RE2 would refuse it.
        case regex(Result<UnleashRegex, RegexSyntaxError>)
        /// `IN_CIDR`: the values that are addresses or ranges (the others never match).
        case ranges([IPRange])
        /// `IN`, `NOT_IN`, `STR_STARTS_WITH` and `STR_ENDS_WITH` with `caseInsensitive`: the values in lower case.
        case lowercased([String])
        /// `STR_CONTAINS`: the values (in lower case with `caseInsensitive`) ready to search for.
        case patterns([CodePointPattern])
    }

    let prepared: Prepared

    /// `REGEX`: the pattern compiled, or why it is not one RE2 takes; nil for other operators.
    public var regex: Result<UnleashRegex, RegexSyntaxError>? {
        if case .regex(let compiled) = prepared { compiled } else { nil }
    }

    public init(contextName: String, operation: Operator?, values: [String] = [], value: String? = nil,
                caseInsensitive: Bool = false, inverted: Bool = false) {
        self.contextName = contextName
        self.operation = operation
        self.values = values
        self.value = value
        self.caseInsensitive = caseInsensitive
        self.inverted = inverted
        switch operation {
        case .regex?:
            let pattern = value ?? ""
            prepared = .regex(Result { () throws(RegexSyntaxError) in try UnleashRegex(pattern, caseInsensitive: caseInsensitive) })
        case .inCIDR?:
            prepared = .ranges(values.compactMap(IPRange.init))
        case .stringContains?:
            prepared = .patterns(values.map { CodePointPattern(caseInsensitive ? $0.lowercasedAsUnicode() : $0) })
        case .in?, .notIn?, .stringStartsWith?, .stringEndsWith?:
            prepared = caseInsensitive ? .lowercased(values.map { $0.lowercasedAsUnicode() }) : .none
        default:
            prepared = .none
        }
    }
}

/// A variant, of a toggle or of a strategy.
public struct UnleashVariant: Sendable, Hashable {
    public struct Override: Sendable, Hashable {
        public var contextName: String
        public var values: [String]

        public init(contextName: String, values: [String]) {
            self.contextName = contextName
            self.values = values
        }
    }

    public var name: String
    public var weight: Int
    /// `{"type": ..., "value": ...}` as the API carries it.
    public var payload: FlagValue?
    /// `default`, `userId`, `sessionId`, `random` or a context field.
    public var stickiness: String?
    public var overrides: [Override]
    /// The value OFREP and the metrics serve for the variant: the payload's `value` read by its `type` (`json`
    /// parsed, `number` a number, `string` and `csv` text); `nil` without a payload, which serves `true`.
    public var servedValue: FlagValue?

    public init(name: String, weight: Int, payload: FlagValue? = nil, stickiness: String? = nil, overrides: [Override] = [],
                servedValue: FlagValue? = nil) {
        self.servedValue = servedValue
        self.name = name
        self.weight = weight
        self.payload = payload
        self.stickiness = stickiness
        self.overrides = overrides
    }
}

/// A dependency on a parent toggle: enabled (optionally with one of some variants), or disabled.
public struct UnleashDependency: Sendable, Hashable {
    public var feature: String
    public var enabled: Bool
    public var variants: [String]

    public init(feature: String, enabled: Bool = true, variants: [String] = []) {
        self.feature = feature
        self.enabled = enabled
        self.variants = variants
    }
}

/// The context as Unleash SDKs take it.
public struct UnleashContext: Sendable, Hashable {
    public var userID: String?
    public var sessionID: String?
    public var remoteAddress: String?
    public var environment: String?
    public var appName: String?
    /// Unix seconds; `nil` is now.
    public var currentTime: Double?
    public var properties: [String: String]

    public init(userID: String? = nil, sessionID: String? = nil, remoteAddress: String? = nil, environment: String? = nil,
                appName: String? = nil, currentTime: Double? = nil, properties: [String: String] = [:]) {
        self.userID = userID
        self.sessionID = sessionID
        self.remoteAddress = remoteAddress
        self.environment = environment
        self.appName = appName
        self.currentTime = currentTime
        self.properties = properties
    }

    /// From the exporter's context: the user id is `userId`; `sessionId`, `remoteAddress`, `appName` and `currentTime`
    /// attributes fill their fields; every other attribute is a property (as text).
    public init(_ context: EvaluationContext) {
        self.init(userID: context.userID, environment: context.environment, currentTime: context.timestamp)
        // `properties` first, then the context's own members over it: a member wins over the same name in
        // `properties`, as the SDKs resolve a context field, whatever order the attributes come in. A member spelt in
        // another normalization than a property keeps the property's value.
        if case .object(let nested)? = context.customAttributes.value(forCodePoints: "properties") {
            for (key, value) in nested {
                if let text = FlagValue(value).unleashText { properties[key] = text }
            }
        }
        for (name, attribute) in context.customAttributes {
            // The field names are ASCII; a `switch` would also take a canonically equivalent spelling.
            let fieldName = name.isAllASCII ? name : ""
            if fieldName == "properties", case .object = attribute { continue }
            guard let text = FlagValue(attribute).unleashText else { continue }
            switch fieldName {
            case "sessionId": sessionID = text
            case "remoteAddress": remoteAddress = text
            case "appName": appName = text
            case "currentTime": currentTime = RFC3339Time.parse(text) ?? Double(text)
            default: try? properties.setValue(text, forCodePoints: name)
            }
        }
        if let type = context.userType { properties["user_type"] = properties["user_type"] ?? type }
    }

    /// The value of a context field by the name constraints, overrides and custom stickiness use: the field itself,
    /// else the property of that name, as the SDKs resolve a context value (`properties.appName` answers for `appName`).
    func field(_ name: String, now: Double) -> String? {
        let own: String?
        switch name.isAllASCII ? name : "" {
        case "userId": own = userID
        case "sessionId": own = sessionID
        case "remoteAddress": own = remoteAddress
        case "environment": own = environment
        case "appName": own = appName
        case "currentTime": return RFC3339Time.format(currentTime ?? now)
        default: own = nil
        }
        return own ?? properties.value(forCodePoints: name)
    }
}

extension FlagValue {
    /// A scalar as the text Unleash compares (JavaScript's String()); lists and objects have none.
    var unleashText: String? {
        switch self {
        case .list, .object: nil
        default: text
        }
    }
}
