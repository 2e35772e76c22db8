/// What the parser knows statically about an expression's type, to refuse nonsense at load time.
enum StaticType: Sendable, Equatable {
    case none
    case bool
    case number
    case string
    case list
    /// A well-known field: a string, or None when the context lacks it.
    case optionalString
    /// A custom attribute: any scalar, known only at evaluation time.
    case unknown

    var isStringLike: Bool { self == .string || self == .optionalString || self == .unknown }
    var isOrderable: Bool { self != .list && self != .none }

    var name: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .number: "number"
        case .string, .optionalString: "str"
        case .list: "list"
        case .unknown: "attribute"
        }
    }
}

/// Recursive-descent parser for the condition language (docs/configuration.md, "Conditions"). Python precedence:
/// `or` < `and` < `not` < comparisons < method calls and subscripts.
struct ConditionParser {
    static let maximumLength = 4096
    static let maximumDepth = 32

    private let scalars: [Unicode.Scalar]
    private let tokens: [ConditionToken]
    private var index = 0
    private var depth = 0

    private static let reservedWords: Set<String> = [
        "lambda", "import", "from", "def", "class", "if", "else", "elif", "for", "while", "return", "yield",
        "exec", "eval", "global", "nonlocal", "del", "pass", "raise", "try", "except", "finally", "with",
        "as", "assert", "async", "await", "print", "open", "getattr", "setattr", "globals", "locals", "vars",
        "dir", "type", "object",
    ]

    init(source: String) throws(ConditionSyntaxError) {
        let scalars = Array(source.unicodeScalars)
        self.scalars = scalars
        if source.utf8.count > Self.maximumLength {
            throw ConditionSyntaxError(
                "condition is \(source.utf8.count) bytes, over the limit of \(Self.maximumLength)", offset: 0,
                in: scalars)
        }
        var lexer = ConditionLexer(scalars: scalars)
        self.tokens = try lexer.tokenize()
    }

    mutating func parse() throws(ConditionSyntaxError) -> ConditionExpression {
        if tokens.count == 1 { throw fail("condition is empty", at: tokens[0]) }
        let (expression, _) = try parseOr()
        if tokens[index].kind != .end {
            throw fail("unexpected \(describe(tokens[index])) after a complete condition", at: tokens[index])
        }
        return expression
    }

    // MARK: - Helpers

    private func fail(_ message: String, at token: ConditionToken) -> ConditionSyntaxError {
        ConditionSyntaxError(message, offset: token.offset, in: scalars)
    }

    private var current: ConditionToken { tokens[index] }

    private func describe(_ token: ConditionToken) -> String {
        switch token.kind {
        case .name(let name): "'\(name)'"
        case .string: "string literal"
        case .int, .double: "number"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "end of condition"
        }
    }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }
    private func isName(_ name: String) -> Bool { current.kind == .name(name) }

    private mutating func expect(_ symbol: String, _ context: String) throws(ConditionSyntaxError) {
        guard isSymbol(symbol) else {
            throw fail("expected '\(symbol)' \(context), found \(describe(current))", at: current)
        }
        index += 1
    }

    private mutating func enter() throws(ConditionSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw fail("condition is nested deeper than \(Self.maximumDepth) levels", at: current)
        }
    }

    // MARK: - Grammar

    private mutating func parseOr() throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        var (first, type) = try parseAnd()
        var operands = [first]
        while isName("or") {
            index += 1
            let (next, nextType) = try parseAnd()
            operands.append(next)
            type = type == nextType ? type : .unknown
        }
        if operands.count > 1 { first = .or(operands) }
        return (first, type)
    }

    private mutating func parseAnd() throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        var (first, type) = try parseNot()
        var operands = [first]
        while isName("and") {
            index += 1
            let (next, nextType) = try parseNot()
            operands.append(next)
            type = type == nextType ? type : .unknown
        }
        if operands.count > 1 { first = .and(operands) }
        return (first, type)
    }

    private mutating func parseNot() throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        guard isName("not") else { return try parseComparison() }
        try enter()
        index += 1
        defer { depth -= 1 }
        let (operand, _) = try parseNot()
        return (.not(operand), .bool)
    }

    private mutating func comparisonOperator() -> ComparisonOperator? {
        switch current.kind {
        case .symbol(let symbol):
            guard let comparison = ComparisonOperator(rawValue: symbol) else { return nil }
            index += 1
            return comparison
        case .name("in"):
            index += 1
            return .contains
        case .name("not") where tokens[index + 1].kind == .name("in"):
            index += 2
            return .notContains
        case .name("is"):
            // `x is None` / `x is not None`: identity only makes sense for None here, so it is equality.
            index += 1
            if isName("not") {
                index += 1
                return .notEqual
            }
            return .equal
        default:
            return nil
        }
    }

    private mutating func parseComparison() throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        let (first, firstType) = try parsePostfix()
        var left = first
        var leftType = firstType
        var links: [ConditionExpression] = []
        while true {
            let operatorToken = current
            guard let comparison = comparisonOperator() else { break }
            let (right, rightType) = try parsePostfix()
            try check(comparison, leftType, rightType, at: operatorToken)
            links.append(Self.makeComparison(left, comparison, right))
            left = right
            leftType = rightType
        }
        switch links.count {
        case 0: return (first, firstType)
        case 1: return (links[0], .bool)
        default: return (.and(links), .bool)  // Python chains: a < b < c means a < b and b < c.
        }
    }

    private static func makeComparison(
        _ left: ConditionExpression,
        _ comparison: ComparisonOperator,
        _ right: ConditionExpression
    ) -> ConditionExpression {
        if comparison == .equal || comparison == .notEqual {
            switch (left, right) {
            case (.field(let field), .literal(.string(let text))), (.literal(.string(let text)), .field(let field)):
                guard field.wellKnown != nil else { break }
                return .fieldEqualsString(field, text, negated: comparison == .notEqual)
            default: break
            }
        }
        return .compare(left, comparison, right)
    }

    private func check(
        _ comparison: ComparisonOperator,
        _ left: StaticType,
        _ right: StaticType,
        at token: ConditionToken
    ) throws(ConditionSyntaxError) {
        switch comparison {
        case .equal, .notEqual:
            return
        case .contains, .notContains:
            if right == .list || right == .unknown || right == .optionalString && left.isStringLike { return }
            if right == .string && left.isStringLike { return }
            if right == .string || right == .optionalString {
                throw fail("'\(comparison.rawValue)' on a str needs a str on the left, not \(left.name)", at: token)
            }
            throw fail("'\(comparison.rawValue)' needs a list or a str on the right, not \(right.name)", at: token)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard left.isOrderable, right.isOrderable else {
                let culprit = left.isOrderable ? right : left
                throw fail("'\(comparison.rawValue)' cannot order \(culprit.name)", at: token)
            }
            if left == .unknown || right == .unknown { return }
            let leftNumeric = left == .number || left == .bool
            let rightNumeric = right == .number || right == .bool
            if leftNumeric != rightNumeric {
                throw fail(
                    "'\(comparison.rawValue)' between \(left.name) and \(right.name) is always false", at: token)
            }
        }
    }

    private mutating func parsePostfix() throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        let startToken = current
        var (expression, type) = try parseAtom()
        while isSymbol(".") {
            index += 1
            guard case .name(let name) = current.kind else {
                throw fail("expected a method name after '.', found \(describe(current))", at: current)
            }
            let nameToken = current
            index += 1
            if name.hasPrefix("_") {
                throw fail("'\(name)' is not accessible: only startswith, endswith and lower", at: nameToken)
            }
            // `attribute.member` (no call): a member of an object attribute, as OpenFeature contexts nest them.
            if !isSymbol("("), case .field(let field) = expression, let member = field.appending(member: name) {
                expression = .field(member)
                continue
            }
            guard let method = StringMethod(rawValue: name) else {
                throw fail("unknown method '\(name)'; allowed: startswith, endswith, lower", at: nameToken)
            }
            guard type.isStringLike else {
                throw fail("\(type.name) has no method '\(name)'", at: nameToken)
            }
            try expect("(", "to call '\(name)'")
            var arguments: [ConditionExpression] = []
            if method != .lower {
                let argumentToken = current
                let (argument, argumentType) = try parseOr()
                guard argumentType.isStringLike else {
                    throw fail("\(name)() needs a str argument, not \(argumentType.name)", at: argumentToken)
                }
                arguments.append(argument)
            }
            guard isSymbol(")") else {
                let arity = method == .lower ? "no arguments" : "exactly one argument"
                throw fail("\(name)() takes \(arity)", at: current)
            }
            index += 1
            expression = .method(expression, method, arguments)
            type = method == .lower ? (type == .string ? .string : .optionalString) : .bool
        }
        if isSymbol("[") || isSymbol("(") {
            let what = isSymbol("[") ? "subscript" : "call"
            throw fail("this \(what) is not allowed on \(describe(startToken))", at: current)
        }
        return (expression, type)
    }

    private mutating func parseAtom() throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        let token = current
        switch token.kind {
        case .string(let text):
            index += 1
            return (.literal(.string(text)), .string)
        case .int(let number):
            index += 1
            return (.literal(.int(number)), .number)
        case .double(let number):
            index += 1
            return (.literal(.double(number)), .number)
        case .symbol("-"):
            index += 1
            switch current.kind {
            case .int(let number):
                index += 1
                return (.literal(.int(-number)), .number)
            case .double(let number):
                index += 1
                return (.literal(.double(-number)), .number)
            default:
                throw fail("'-' must be followed by a number", at: token)
            }
        case .symbol("("):
            try enter()
            index += 1
            defer { depth -= 1 }
            let inner = try parseOr()
            try expect(")", "to close the '(' at column \(token.offset + 1)")
            return inner
        case .symbol("["):
            try enter()
            index += 1
            defer { depth -= 1 }
            var items: [ConditionExpression] = []
            var literals: [ConditionValue] = []
            while !isSymbol("]") {
                let (item, _) = try parseOr()
                items.append(item)
                if case .literal(let value) = item { literals.append(value) }
                if isSymbol(",") {
                    index += 1
                } else if !isSymbol("]") {
                    throw fail("expected ',' or ']' in a list, found \(describe(current))", at: current)
                }
                if items.count > 1024 { throw fail("list literal has more than 1024 items", at: token) }
            }
            index += 1
            return (literals.count == items.count ? .literal(.list(literals)) : .list(items), .list)
        case .name(let name):
            index += 1
            return try parseName(name, token)
        case .symbol(let symbol):
            throw fail("unexpected '\(symbol)'; expected a value", at: token)
        case .end:
            throw fail("condition ends where a value was expected", at: token)
        }
    }

    private mutating func parseName(
        _ name: String,
        _ token: ConditionToken
    ) throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        switch name {
        case "True", "true": return (.literal(.bool(true)), .bool)
        case "False", "false": return (.literal(.bool(false)), .bool)
        case "None", "null": return (.literal(.none), .none)
        case "custom_attributes": return try parseCustomAttributes(token)
        case "and", "or", "not", "in", "is":
            throw fail("'\(name)' needs a value before it", at: token)
        default:
            if name.hasPrefix("__") { throw fail("names starting with '__' are not allowed", at: token) }
            if let field = WellKnownField(name: name) { return (.field(.wellKnown(field)), .optionalString) }
            if Self.reservedWords.contains(name) {
                throw fail("'\(name)' is not part of the condition language", at: token)
            }
            return (.field(.custom(name)), .unknown)
        }
    }

    /// `custom_attributes.get('k')`, `custom_attributes.get('k', default)` or `custom_attributes['k']`.
    private mutating func parseCustomAttributes(
        _ token: ConditionToken
    ) throws(ConditionSyntaxError) -> (ConditionExpression, StaticType) {
        let usage = "custom_attributes is read only as custom_attributes.get('name') or custom_attributes['name']"
        if isSymbol("[") {
            index += 1
            guard case .string(let key) = current.kind else { throw fail(usage, at: current) }
            index += 1
            try expect("]", "after the attribute name")
            return (Self.attribute(key), .unknown)
        }
        guard isSymbol("."), tokens[index + 1].kind == .name("get") else { throw fail(usage, at: token) }
        index += 2
        try expect("(", "to call 'get'")
        guard case .string(let key) = current.kind else {
            throw fail("custom_attributes.get() needs the attribute name as a string literal", at: current)
        }
        index += 1
        var fallback: ConditionExpression?
        if isSymbol(",") {
            index += 1
            let (value, _) = try parseAtom()
            fallback = value
        }
        guard isSymbol(")") else { throw fail("custom_attributes.get() takes a name and an optional default", at: current) }
        index += 1
        guard let fallback else { return (Self.attribute(key), .unknown) }
        return (.customAttributeOrDefault(key, fallback), .unknown)
    }

    /// `custom_attributes` holds only the custom attributes, as the seed's dict did: never `user_id` and friends.
    private static func attribute(_ key: String) -> ConditionExpression {
        .field(.custom(key))
    }
}
