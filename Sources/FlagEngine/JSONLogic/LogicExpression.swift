/// A compiled JSON Logic rule (jsonlogic.com), as flagd's `targeting` writes it, with flagd's own operators.
///
/// Compiling checks every operator name and the arity of JSON Logic's own operators once, when the flags are loaded;
/// `$ref`s to `$evaluators` are resolved before compiling (``FlagdFlagSet``). flagd's operators (`fractional`,
/// `sem_ver`, `starts_with`, `ends_with`) check their arguments when they run, as flagd's do: a wrong count or type
/// there is a ``LogicEvaluationError``, and the flag gives its default variant.
public indirect enum LogicExpression: Sendable, Hashable {
    /// Data: a scalar, or a list or object that is not a rule.
    case literal(FlagValue)
    /// A list whose elements are rules (`[{"var": "a"}, 1]`).
    case list([LogicExpression])
    /// `{"var": "a.b"}`, `{"var": ["a.b", default]}`; the empty path is the whole data.
    case variable(path: [String], fallback: LogicExpression?)
    /// `{"var": <rule>}`: a path computed at evaluation time.
    case dynamicVariable(LogicExpression, fallback: LogicExpression?)
    /// Any other operator with its arguments.
    case operation(LogicOperator, [LogicExpression])
}

/// The operators a rule may use: JSON Logic's and flagd's (`fractional`, `sem_ver`, `starts_with`, `ends_with`).
public enum LogicOperator: String, Sendable, Hashable, CaseIterable {
    case `if`, ternary = "?:"
    case equal = "==", strictEqual = "===", notEqual = "!=", strictNotEqual = "!=="
    case not = "!", truthy = "!!", and, or
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in`, cat, substr
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", min, max
    case merge, missing, missingSome = "missing_some"
    case map, filter, reduce, all, some, none
    case fractional, semVer = "sem_ver", startsWith = "starts_with", endsWith = "ends_with"

    /// The argument count flagd's `sem_ver`, `starts_with` and `ends_with` take, checked when they run (a wrong count
    /// is a ``LogicEvaluationError``, and a warning from `check`); nil for other operators.
    var runtimeArgumentCount: Int? {
        switch self {
        case .semVer: 3
        case .startsWith, .endsWith: 2
        default: nil
        }
    }

    /// The argument counts the operator accepts when it is compiled.
    var arity: ClosedRange<Int> {
        switch self {
        case .not, .truthy: 1...1
        case .equal, .strictEqual, .notEqual, .strictNotEqual, .greater, .greaterOrEqual: 2...2
        case .less, .lessOrEqual: 2...3
        case .substr: 2...3
        case .subtract, .divide, .modulo: 1...2
        case .missingSome, .map, .filter, .all, .some, .none: 2...2
        case .reduce: 3...3
        case .fractional: 1...Int.max
        default: 0...Int.max
        }
    }
}

/// Why a rule cannot be compiled, and where in it (`targeting.if[0].==`).
public struct LogicCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// The path of the faulty node inside the rule, as keys and indexes.
    public var path: [String]

    public var description: String { path.isEmpty ? message : "\(path.joined(separator: ".")): \(message)" }
}

extension LogicExpression {
    /// Compiles a rule from its JSON value. An object with one key names an operator; any other value is data, its
    /// lists compiled element by element.
    public static func compile(_ value: FlagValue) throws(LogicCompileError) -> LogicExpression {
        try compile(value, path: [])
    }

    /// flagd's operators given a number of arguments they can never take (`sem_ver` 3, `starts_with` and `ends_with`
    /// 2): such a rule compiles, as flagd loads it, but errs at every evaluation. Each with its rule path, for
    /// `check` to warn about.
    public static func argumentCountProblems(_ value: FlagValue) -> [LogicCompileError] {
        var problems: [LogicCompileError] = []
        func visit(_ value: FlagValue, _ path: [String]) {
            switch value {
            case .list(let elements):
                for (index, element) in elements.enumerated() { visit(element, path + ["\(index)"]) }
            case .object(let members) where members.count == 1:
                let (name, argument) = members.first!
                let elements: [FlagValue] = if case .list(let list) = argument { list } else { [argument] }
                if let wanted = LogicOperator(rawValue: name)?.runtimeArgumentCount, elements.count != wanted {
                    problems.append(LogicCompileError(message: "'\(name)' takes \(wanted) arguments, not \(elements.count)", path: path + [name]))
                }
                for (index, element) in elements.enumerated() { visit(element, path + [name, "\(index)"]) }
            default:
                break
            }
        }
        visit(value, [])
        return problems
    }

    static func compile(_ value: FlagValue, path: [String]) throws(LogicCompileError) -> LogicExpression {
        switch value {
        case .list(let elements):
            var compiled: [LogicExpression] = []
            compiled.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                compiled.append(try compile(element, path: path + ["\(index)"]))
            }
            if compiled.allSatisfy({ if case .literal = $0 { true } else { false } }) { return .literal(value) }
            return .list(compiled)
        case .object(let members) where members.count == 1:
            let (name, argument) = members.first!
            return try operation(name, argument, path: path + [name])
        case .object(let members) where !members.isEmpty:
            throw LogicCompileError(
                message: "a rule is an object with exactly one operator; this one has \(members.count) keys "
                    + "(\(members.keys.sorted().joined(separator: ", ")))", path: path)
        default:
            return .literal(value)
        }
    }

    private static func operation(_ name: String, _ argument: FlagValue, path: [String]) throws(LogicCompileError) -> LogicExpression {
        if name == "var" { return try variable(argument, path: path) }
        guard let logicOperator = LogicOperator(rawValue: name) else {
            if name == "$ref" {
                throw LogicCompileError(message: "$ref to \(argument) names no entry of $evaluators", path: path)
            }
            throw LogicCompileError(message: "unknown operator '\(name)'", path: path)
        }
        // A lone non-list argument is the one argument (`{"!": true}`, `{"cat": "a"}`).
        let elements: [FlagValue] = if case .list(let list) = argument { list } else { [argument] }
        guard logicOperator.arity.contains(elements.count) else {
            let range = logicOperator.arity
            let wanted = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw LogicCompileError(message: "'\(name)' takes \(wanted) arguments, not \(elements.count)", path: path)
        }
        var arguments: [LogicExpression] = []
        arguments.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            arguments.append(try compile(element, path: path + ["\(index)"]))
        }
        return .operation(logicOperator, arguments)
    }

    private static func variable(_ argument: FlagValue, path: [String]) throws(LogicCompileError) -> LogicExpression {
        var name = argument
        var fallback: LogicExpression?
        if case .list(let elements) = argument {
            guard elements.count <= 2 else {
                throw LogicCompileError(message: "'var' takes a path and an optional default, not \(elements.count) values", path: path)
            }
            name = elements.first ?? .string("")
            if elements.count == 2 { fallback = try compile(elements[1], path: path + ["1"]) }
        }
        switch name {
        case .string(let text): return .variable(path: text.isEmpty ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init), fallback: fallback)
        case .int(let index): return .variable(path: [String(index)], fallback: fallback)
        case .null: return .variable(path: [], fallback: fallback)
        case .object: return .dynamicVariable(try compile(name, path: path + ["0"]), fallback: fallback)
        default: throw LogicCompileError(message: "'var' takes a path (text or a number), not \(name)", path: path)
        }
    }
}
