/// A flagd flag's targeting, compiled into the shape flagd rules nearly always have: an `if` chain whose branches
/// name variants, ending in a variant or a `fractional` split. The plan knows where the split is, so an evaluation
/// can say whether it reached the rollout and which bucket it drew, and the common conditions
/// (`{"==": [{"var": "plan"}, "pro"]}`) compare a context field without building JSON values. Anything else runs the
/// JSON Logic interpreter unchanged; both give exactly ``FlagdFlagSet/resolve(_:context:now:)``'s answer.
enum FlagdPlan: Sendable {
    /// No targeting: the default variant, `STATIC`.
    case none
    /// `if` branches in order, then what the chain ends with.
    case branches([FlagdBranch], otherwise: FlagdLeaf)
    /// Any other rule, interpreted.
    case general(LogicExpression)

    /// The plan of `targeting`, whose results name variants through `variantIndex`.
    init(_ targeting: LogicExpression?, variantIndex: (String) -> Int32?) {
        guard let targeting else {
            self = .none
            return
        }
        if case .operation(.if, let arguments) = targeting, arguments.count >= 2 {
            var branches: [FlagdBranch] = []
            var position = 0
            while position + 1 < arguments.count {
                guard let leaf = FlagdLeaf(arguments[position + 1], variantIndex: variantIndex) else {
                    self = .general(targeting)
                    return
                }
                branches.append(FlagdBranch(condition: FlagdCondition(arguments[position]), leaf: leaf))
                position += 2
            }
            // json-logic-js: an odd count ends in its else value; an even count has none (null).
            let otherwise = position < arguments.count ? FlagdLeaf(arguments[position], variantIndex: variantIndex) : .variant(-1)
            guard let otherwise else {
                self = .general(targeting)
                return
            }
            self = .branches(branches, otherwise: otherwise)
            return
        }
        if let leaf = FlagdLeaf(targeting, variantIndex: variantIndex), case .fractional = leaf {
            self = .branches([], otherwise: leaf)
            return
        }
        self = .general(targeting)
    }

    /// The `fractional` split the plan ends in, if it has one.
    var split: FlagdFractional? {
        if case .branches(_, .fractional(let split)) = self { return split }
        return nil
    }
}

/// One `if` branch: when the condition is truthy, the leaf decides.
struct FlagdBranch: Sendable {
    var condition: FlagdCondition
    var leaf: FlagdLeaf
}

/// What a branch gives: a fixed variant (its index; -1 for null or a name no variant has), or a `fractional` split.
enum FlagdLeaf: Sendable {
    case variant(Int32)
    case fractional(FlagdFractional)

    init?(_ expression: LogicExpression, variantIndex: (String) -> Int32?) {
        switch expression {
        case .literal(let value):
            self = .variant(FlagdFlagSet.variantName(value).flatMap(variantIndex) ?? -1)
        case .operation(.fractional, let arguments):
            guard let split = FlagdFractional(arguments, variantIndex: variantIndex) else { return nil }
            self = .fractional(split)
        default:
            return nil
        }
    }
}

/// A condition: a context field compared with a text literal, or any rule, interpreted.
enum FlagdCondition: Sendable {
    /// `{"==": [{"var": field}, "text"]}` (either order, `==` or `===`), and the rule itself for a field that holds
    /// something other than text.
    case fieldEquals(FlagdField, String, LogicExpression)
    case general(LogicExpression)

    init(_ expression: LogicExpression) {
        if case .operation(let logicOperator, let arguments) = expression,
            logicOperator == .equal || logicOperator == .strictEqual, arguments.count == 2
        {
            for (variable, literal) in [(arguments[0], arguments[1]), (arguments[1], arguments[0])] {
                if case .variable(let path, nil) = variable, path.count == 1, let field = FlagdField(path[0]),
                    case .literal(.string(let text)) = literal
                {
                    self = .fieldEquals(field, text, expression)
                    return
                }
            }
        }
        self = .general(expression)
    }

    /// The rule as written.
    var expression: LogicExpression {
        switch self {
        case .fieldEquals(_, _, let expression), .general(let expression): expression
        }
    }

    /// Whether the condition holds; `nil` when the fast comparison does not apply (the field holds something other
    /// than text) and the interpreter must decide.
    @inline(__always)
    func holds(_ context: EvaluationContext) -> Bool? {
        guard case .fieldEquals(let field, let text, _) = self else { return nil }
        switch field.read(context) {
        case .text(let value): return value.hasSameCodePoints(as: text)
        case .missing: return false
        case .other: return nil
        }
    }
}

/// A top-level context field as flagd's data names it (``FlagdFlagSet/data(_:flagKey:now:)``).
enum FlagdField: Sendable {
    case targetingKey, userType, environment, requestID
    case attribute(String)

    /// `nil` for `$flagd` and the empty path, which are not context fields.
    init?(_ name: String) {
        switch name.isAllASCII ? name : "\u{0}" {
        case "": return nil
        case "$flagd": return nil
        case "targetingKey": self = .targetingKey
        case "user_type": self = .userType
        case "environment": self = .environment
        case "request_id": self = .requestID
        default: self = .attribute(name)
        }
    }

    enum Read {
        case text(String)
        case missing
        case other
    }

    /// The context's own field when it is set; nil for an attribute.
    @inline(__always)
    func wellKnownValue(_ context: EvaluationContext) -> String? {
        switch self {
        case .targetingKey: context.userID
        case .userType: context.userType
        case .environment: context.environment
        case .requestID: context.requestID
        case .attribute: nil
        }
    }

    /// The attribute `var` reads when the well-known field is not set (or the field is an attribute).
    var attributeName: String {
        switch self {
        case .targetingKey: "targetingKey"
        case .userType: "user_type"
        case .environment: "environment"
        case .requestID: "request_id"
        case .attribute(let name): name
        }
    }

    /// The field's value as `var` reads it: the well-known field, else the attribute of that name; null is missing.
    @inline(__always)
    func read(_ context: EvaluationContext) -> Read {
        if let value = wellKnownValue(context) { return .text(value) }
        switch context.customAttributes.value(forCodePoints: attributeName) {
        case nil, .null?: return .missing
        case .string(let value)?: return .text(value)
        default: return .other
        }
    }
}

/// A `fractional` whose buckets are fixed: `[name, weight]` literals.
struct FlagdFractional: Sendable {
    enum BucketBy: Sendable {
        /// No first expression: the flag key followed by the targeting key.
        case flagKeyAndTargetingKey
        /// A first expression; text is hashed, anything else is handed to the interpreter.
        case expression(LogicExpression)
    }

    var bucketBy: BucketBy
    /// The operator's arguments as written, for the interpreter.
    var arguments: [LogicExpression]
    /// Running totals of the weights, in order.
    var cumulative: [UInt64]
    /// The variant of each bucket (-1: a name no variant has).
    var variantIndices: [Int32]
    /// The weights by variant name, merged, in first-seen order: the configured shares.
    var weights: [(name: String, weight: UInt64)]
    var total: UInt64

    init?(_ arguments: [LogicExpression], variantIndex: (String) -> Int32?) {
        guard let first = arguments.first else { return nil }
        var buckets = arguments[...]
        if case .literal(.list) = first {
            bucketBy = .flagKeyAndTargetingKey
        } else {
            bucketBy = .expression(first)
            buckets = arguments.dropFirst()
        }
        self.arguments = arguments
        cumulative = []
        variantIndices = []
        weights = []
        total = 0
        for bucket in buckets {
            guard case .literal(.list(let pair)) = bucket, let nameValue = pair.first, pair.count <= 2 else { return nil }
            var weight: UInt64 = 1
            if pair.count == 2 {
                let number = pair[1].number
                // A negative weight counts as 0, as flagd clamps it.
                guard number.isFinite, number == number.rounded(), number < 4_294_967_296 else { return nil }
                weight = number < 0 ? 0 : UInt64(number)
            }
            let name = FlagdFlagSet.variantName(nameValue)
            total += weight
            cumulative.append(total)
            variantIndices.append(name.flatMap(variantIndex) ?? -1)
            if let name {
                if let existing = weights.firstIndex(where: { $0.name.hasSameCodePoints(as: name) }) {
                    weights[existing].weight += weight
                } else {
                    weights.append((name, weight))
                }
            }
        }
        guard total > 0 else { return nil }
    }
}
