/// What a rule is evaluated against: the data `var` reads, and the hooks flagd's `fractional` needs.
public struct LogicScope: Sendable {
    /// The data (`var`'s root), when given as a value (tests, and the elements `map`, `filter` and `reduce` visit).
    public var data: FlagValue
    /// flagd's data, read straight from the context (``FlagdFlagSet/data(_:flagKey:now:)`` describes it) rather than
    /// built as an object for every evaluation.
    var context: EvaluationContext?
    var now: Double = 0
    /// The key of the flag being evaluated (`fractional` hashes it with the targeting key by default).
    public var flagKey: String
    /// The targeting key of the context, if any.
    public var targetingKey: String?

    public init(data: FlagValue, flagKey: String = "", targetingKey: String? = nil) {
        self.data = data
        self.flagKey = flagKey
        self.targetingKey = targetingKey
    }

    /// flagd's scope for `context`, evaluating `flagKey` at `now`.
    init(context: EvaluationContext, flagKey: String, now: Double) {
        self.init(data: .null, flagKey: flagKey, targetingKey: context.userID)
        self.context = context
        self.now = now
    }

    /// The value at `path` in the data; `nil` when missing or null.
    func value<Path: Collection<String>>(at path: Path) -> FlagValue? {
        guard let context else { return LogicExpression.lookUp(path, in: data) }
        guard let first = path.first else { return FlagdFlagSet.data(context, flagKey: flagKey, now: now) }
        let root: FlagValue?
        if first.hasSameCodePoints(as: "$flagd") {
            root = FlagdFlagSet.flagdObject(context, flagKey: flagKey, now: now)
        } else {
            // FlagdField knows the well-known names (nil only for the empty name, which is an attribute's).
            let field = FlagdField(first) ?? .attribute(first)
            root = field.wellKnownValue(context).map(FlagValue.string)
                ?? context.customAttributes.value(forCodePoints: field.attributeName).map(FlagValue.init)
        }
        guard let root else { return nil }
        return LogicExpression.lookUp(path.dropFirst(), in: root)
    }
}

/// A flagd operator given what it cannot take: a wrong number or type of arguments, a version that is not one, nothing
/// to bucket by, no weight. The whole targeting then stops and the flag gives its default variant (reason `DEFAULT`):
/// flagd's rule since open-feature/flagd#1874, so that an error never picks an `if`'s `false` branch.
public struct LogicEvaluationError: Error, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension LogicExpression {
    /// The rule's value for `scope`, as json-logic-js computes it (flagd's operators as flagd does).
    public func evaluate(_ scope: LogicScope) throws(LogicEvaluationError) -> FlagValue {
        switch self {
        case .literal(let value): return value
        case .list(let elements):
            var values: [FlagValue] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(try element.evaluate(scope)) }
            return .list(values)
        case .variable(let path, let fallback):
            if let found = scope.value(at: path) { return found }
            return try fallback?.evaluate(scope) ?? .null
        case .dynamicVariable(let name, let fallback):
            let text = try name.evaluate(scope).text
            let path = text.isEmpty ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if let found = scope.value(at: path) { return found }
            return try fallback?.evaluate(scope) ?? .null
        case .operation(let logicOperator, let arguments):
            return try Self.apply(logicOperator, arguments, scope)
        }
    }

    /// The value at `path` (object members, list indexes); `nil` when a step is missing or the value is null.
    static func lookUp<Path: Collection<String>>(_ path: Path, in data: FlagValue) -> FlagValue? {
        var current = data
        for step in path {
            switch current {
            case .object(let members):
                guard let next = members.value(forCodePoints: step) else { return nil }
                current = next
            case .list(let elements):
                guard let index = Int(step), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        if case .null = current { return nil }
        return current
    }

    private static func apply(_ logicOperator: LogicOperator, _ arguments: [LogicExpression], _ scope: LogicScope)
        throws(LogicEvaluationError) -> FlagValue
    {
        func value(_ index: Int) throws(LogicEvaluationError) -> FlagValue {
            index < arguments.count ? try arguments[index].evaluate(scope) : .null
        }
        func values() throws(LogicEvaluationError) -> [FlagValue] {
            var values: [FlagValue] = []
            values.reserveCapacity(arguments.count)
            for argument in arguments { values.append(try argument.evaluate(scope)) }
            return values
        }
        if let wanted = logicOperator.runtimeArgumentCount, arguments.count != wanted {
            throw LogicEvaluationError("'\(logicOperator.rawValue)' takes \(wanted) arguments, not \(arguments.count)")
        }
        switch logicOperator {
        case .if, .ternary:
            var index = 0
            while index + 1 < arguments.count {
                if try arguments[index].evaluate(scope).isLogicTruthy { return try arguments[index + 1].evaluate(scope) }
                index += 2
            }
            return index < arguments.count ? try arguments[index].evaluate(scope) : .null
        case .equal: return try .bool(value(0).looselyEquals(value(1)))
        case .notEqual: return try .bool(!value(0).looselyEquals(value(1)))
        case .strictEqual: return try .bool(value(0).strictlyEquals(value(1)))
        case .strictNotEqual: return try .bool(!value(0).strictlyEquals(value(1)))
        case .not: return try .bool(!value(0).isLogicTruthy)
        case .truthy: return try .bool(value(0).isLogicTruthy)
        case .and:
            var last = FlagValue.null
            for argument in arguments {
                last = try argument.evaluate(scope)
                if !last.isLogicTruthy { return last }
            }
            return last
        case .or:
            var last = FlagValue.null
            for argument in arguments {
                last = try argument.evaluate(scope)
                if last.isLogicTruthy { return last }
            }
            return last
        case .less, .lessOrEqual:
            let orEqual = logicOperator == .lessOrEqual
            let a = try value(0), b = try value(1)
            guard a.isLess(than: b, orEqual: orEqual) else { return .bool(false) }
            return try arguments.count == 3 ? .bool(b.isLess(than: value(2), orEqual: orEqual)) : .bool(true)
        case .greater: return try .bool(value(1).isLess(than: value(0), orEqual: false))
        case .greaterOrEqual: return try .bool(value(1).isLess(than: value(0), orEqual: true))
        case .in:
            let needle = try value(0)
            switch try value(1) {
            case .string(let haystack): return .bool(haystack.containsCodePoints(needle.text))
            case .list(let elements): return .bool(elements.contains { $0.strictlyEquals(needle) })
            default: return .bool(false)
            }
        case .cat: return try .string(values().map(\.text).joined())
        case .substr: return try substring(value(0).text, start: value(1).number, length: arguments.count > 2 ? value(2).number : nil)
        case .add: return try .number(values().reduce(0) { $0 + $1.number })
        case .multiply: return try .number(values().reduce(1) { $0 * $1.number })
        case .subtract: return try arguments.count == 1 ? .number(-value(0).number) : .number(value(0).number - value(1).number)
        case .divide: return try .number(value(0).number / value(1).number)
        case .modulo: return try .number(value(0).number.truncatingRemainder(dividingBy: value(1).number))
        case .min, .max:
            let numbers = try values().map(\.number)
            guard !numbers.isEmpty else { return .null }
            if numbers.contains(where: \.isNaN) { return .double(.nan) }
            return .number(logicOperator == .min ? numbers.min()! : numbers.max()!)
        case .merge:
            return try .list(values().flatMap { if case .list(let elements) = $0 { elements } else { [$0] } })
        case .missing: return try .list(missing(values(), scope))
        case .missingSome:
            let needed = try Int(value(0).number)
            let second = try value(1)
            let names = if case .list(let list) = second { list } else { [second] }
            let absent = missing(names, scope)
            return names.count - absent.count >= needed ? .list([]) : .list(absent)
        case .map, .filter, .all, .some, .none:
            return try iterate(logicOperator, over: value(0), arguments[1], scope)
        case .reduce:
            guard case .list(let elements) = try value(0) else { return try value(2) }
            var accumulator = try value(2)
            for element in elements {
                let data = FlagValue.object(["current": element, "accumulator": accumulator])
                accumulator = try arguments[1].evaluate(LogicScope(data: data, flagKey: scope.flagKey, targetingKey: scope.targetingKey))
            }
            return accumulator
        case .fractional: return try FlagdOperators.fractional(arguments, scope)
        case .semVer:
            return try FlagdOperators.semVer(value(0), value(1), value(2))
        case .startsWith, .endsWith:
            guard case .string(let text) = try value(0), case .string(let affix) = try value(1) else {
                throw LogicEvaluationError("'\(logicOperator.rawValue)' compares text only")
            }
            return .bool(logicOperator == .startsWith ? text.hasCodePointPrefix(affix) : text.hasCodePointSuffix(affix))
        }
    }

    private static func missing(_ names: [FlagValue], _ scope: LogicScope) -> [FlagValue] {
        let flattened = names.flatMap { if case .list(let list) = $0 { list } else { [$0] } }
        return flattened.filter { name in
            let text = name.text
            let path = text.isEmpty ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard let found = scope.value(at: path) else { return true }
            if case .string("") = found { return true }
            return false
        }
    }

    private static func iterate(_ logicOperator: LogicOperator, over collection: FlagValue, _ rule: LogicExpression, _ scope: LogicScope)
        throws(LogicEvaluationError) -> FlagValue
    {
        let elements = if case .list(let list) = collection { list } else { [FlagValue]() }
        func run(_ element: FlagValue) throws(LogicEvaluationError) -> FlagValue {
            try rule.evaluate(LogicScope(data: element, flagKey: scope.flagKey, targetingKey: scope.targetingKey))
        }
        switch logicOperator {
        case .map:
            var mapped: [FlagValue] = []
            for element in elements { mapped.append(try run(element)) }
            return .list(mapped)
        case .filter:
            var kept: [FlagValue] = []
            for element in elements where try run(element).isLogicTruthy { kept.append(element) }
            return .list(kept)
        case .all:
            for element in elements where try !run(element).isLogicTruthy { return .bool(false) }
            return .bool(!elements.isEmpty)
        case .some:
            for element in elements where try run(element).isLogicTruthy { return .bool(true) }
            return .bool(false)
        default:
            for element in elements where try run(element).isLogicTruthy { return .bool(false) }
            return .bool(true)
        }
    }

    /// JavaScript's `substr`: a negative start counts from the end; a negative length leaves that many off the end.
    /// Positions count code points, as flagd's engines do (Go's runes, Rust's chars), not Swift's characters: a
    /// combining accent is a position of its own.
    private static func substring(_ text: String, start: Double, length: Double?) -> FlagValue {
        let characters = Array(text.unicodeScalars)
        let count = characters.count
        var from = start.isNaN ? 0 : Int(start)
        if from < 0 { from = max(0, count + from) }
        from = min(from, count)
        var to = count
        if let length, !length.isNaN {
            let amount = Int(length)
            to = amount < 0 ? max(from, count + amount) : min(count, from + amount)
        }
        return .string(String(String.UnicodeScalarView(characters[from..<to])))
    }
}
