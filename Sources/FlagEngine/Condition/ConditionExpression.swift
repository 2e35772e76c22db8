/// A value inside a condition: what a name, a literal or a sub-expression evaluates to.
enum ConditionValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ConditionValue])
    /// An object attribute from a context (conditions read its members with dotted names).
    case object([String: AttributeValue])

    init(_ attribute: AttributeValue) {
        switch attribute {
        case .null: self = .none
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .list(let items): self = .list(items.map(ConditionValue.init))
        case .object(let members): self = .object(members)
        }
    }

    var isTruthy: Bool {
        switch self {
        case .none: false
        case .bool(let flag): flag
        case .int(let number): number != 0
        case .double(let number): number != 0
        case .string(let text): !text.isEmpty
        case .list(let items): !items.isEmpty
        case .object(let members): !members.isEmpty
        }
    }

    /// The value as a number when Python would treat it as one (bool is an int there).
    var numeric: Double? {
        switch self {
        case .bool(let flag): flag ? 1 : 0
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    var typeName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list: "list"
        case .object: "dict"
        }
    }
}

/// A context attribute a condition reads.
enum ContextField: Sendable, Equatable {
    case wellKnown(WellKnownField)
    case custom(String)
    /// `name.member.member…`: a member inside an object attribute; `None` when any step is missing.
    case member(String, [String])

    func read(from context: EvaluationContext) -> ConditionValue {
        switch self {
        case .wellKnown(let field): field.read(from: context).map(ConditionValue.string) ?? .none
        case .custom(let name): context.customAttributes.value(forCodePoints: name).map(ConditionValue.init) ?? .none
        case .member(let name, let path):
            context.customAttributes.value(forCodePoints: name)?.member(at: path).map(ConditionValue.init) ?? .none
        }
    }

    /// This field with one more member step, when it reads a custom attribute (the named fields are strings).
    func appending(member: String) -> ContextField? {
        switch self {
        case .wellKnown: nil
        case .custom(let name): .member(name, [member])
        case .member(let name, let path): .member(name, path + [member])
        }
    }

    /// The well-known string field this is, if it is one.
    var wellKnown: WellKnownField? {
        if case .wellKnown(let field) = self { return field }
        return nil
    }
}

enum ComparisonOperator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case contains = "in"
    case notContains = "not in"
}

enum StringMethod: String, Sendable {
    case startsWith = "startswith"
    case endsWith = "endswith"
    case lower = "lower"
}

/// The compiled form of a condition: a small tree interpreted without any dynamic lookup.
indirect enum ConditionExpression: Sendable {
    case literal(ConditionValue)
    case field(ContextField)
    case list([ConditionExpression])
    case not(ConditionExpression)
    case and([ConditionExpression])
    case or([ConditionExpression])
    case compare(ConditionExpression, ComparisonOperator, ConditionExpression)
    case method(ConditionExpression, StringMethod, [ConditionExpression])
    /// `field == 'text'` / `field != 'text'` on a well-known string field: the common rule, kept cheap.
    case fieldEqualsString(ContextField, String, negated: Bool)
    /// `custom_attributes.get('name', default)`: the attribute when the context has it, else the default.
    case customAttributeOrDefault(String, ConditionExpression)
}

/// A run-time type mismatch: the rule is false and one evaluation error is counted.
struct ConditionTypeMismatch: Error, Sendable {
    let message: String
}

extension ConditionExpression {
    func evaluate(_ context: EvaluationContext) throws(ConditionTypeMismatch) -> ConditionValue {
        switch self {
        case .literal(let value):
            return value
        case .field(let field):
            return field.read(from: context)
        case .fieldEqualsString(let field, let text, let negated):
            let actual = field.wellKnown?.read(from: context)
            return .bool((actual.map { $0.hasSameCodePoints(as: text) } ?? false) != negated)
        case .customAttributeOrDefault(let name, let fallback):
            if let value = context.customAttributes.value(forCodePoints: name) { return ConditionValue(value) }
            return try fallback.evaluate(context)
        case .list(let items):
            var values: [ConditionValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try item.evaluate(context)) }
            return .list(values)
        case .not(let operand):
            return .bool(!(try operand.evaluate(context).isTruthy))
        case .and(let operands):
            var last = ConditionValue.bool(true)
            for operand in operands {
                last = try operand.evaluate(context)
                if !last.isTruthy { return last }
            }
            return last
        case .or(let operands):
            var last = ConditionValue.bool(false)
            for operand in operands {
                last = try operand.evaluate(context)
                if last.isTruthy { return last }
            }
            return last
        case .compare(let left, let comparison, let right):
            return .bool(try Self.compare(try left.evaluate(context), comparison, try right.evaluate(context)))
        case .method(let receiver, let method, let arguments):
            let target = try receiver.evaluate(context)
            var values: [ConditionValue] = []
            for argument in arguments { values.append(try argument.evaluate(context)) }
            return try Self.call(method, on: target, with: values)
        }
    }

    static func equal(_ left: ConditionValue, _ right: ConditionValue) -> Bool {
        switch (left, right) {
        case (.none, .none): return true
        case (.string(let a), .string(let b)): return a.hasSameCodePoints(as: b)
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)): return a == b
        default:
            if let a = left.numeric, let b = right.numeric { return a == b }
            return false
        }
    }

    static func compare(
        _ left: ConditionValue,
        _ comparison: ComparisonOperator,
        _ right: ConditionValue
    ) throws(ConditionTypeMismatch) -> Bool {
        switch comparison {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .contains: return try contains(right, left)
        case .notContains: return !(try contains(right, left))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            // A missing attribute (None) never orders: the rule is simply false.
            if left == .none || right == .none { return false }
            let order: Int
            if let a = left.numeric, let b = right.numeric {
                order = a < b ? -1 : (a == b ? 0 : 1)
            } else if case .string(let a) = left, case .string(let b) = right {
                order = a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : (a.hasSameCodePoints(as: b) ? 0 : 1)
            } else {
                throw ConditionTypeMismatch(
                    message: "'\(comparison.rawValue)' between \(left.typeName) and \(right.typeName)")
            }
            switch comparison {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    static func contains(_ container: ConditionValue, _ element: ConditionValue) throws(ConditionTypeMismatch) -> Bool {
        switch container {
        case .none: return false
        case .list(let items): return items.contains { equal($0, element) }
        case .string(let text):
            guard case .string(let needle) = element else {
                if element == .none { return false }
                throw ConditionTypeMismatch(message: "'in <str>' requires a str on the left, not \(element.typeName)")
            }
            return text.containsCodePoints(needle)
        default:
            throw ConditionTypeMismatch(message: "'in' needs a list or a str on the right, not \(container.typeName)")
        }
    }

    static func call(
        _ method: StringMethod,
        on target: ConditionValue,
        with arguments: [ConditionValue]
    ) throws(ConditionTypeMismatch) -> ConditionValue {
        guard case .string(let text) = target else {
            if target == .none { return method == .lower ? .none : .bool(false) }
            throw ConditionTypeMismatch(message: "\(target.typeName) has no method '\(method.rawValue)'")
        }
        switch method {
        case .lower:
            return .string(text.lowercasedAsUnicode())
        case .startsWith, .endsWith:
            guard case .string(let affix) = arguments[0] else {
                throw ConditionTypeMismatch(
                    message: "\(method.rawValue)() needs a str argument, not \(arguments[0].typeName)")
            }
            // Code points, as Python compares them.
            return .bool(method == .startsWith ? text.hasCodePointPrefix(affix) : text.hasCodePointSuffix(affix))
        }
    }
}
