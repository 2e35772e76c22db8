/// JavaScript's coercions, which JSON Logic's operators are defined by (json-logic-js is the reference).
extension FlagValue {
    /// JavaScript truthiness as JSON Logic uses it: `false`, `null`, `0`, `NaN`, `""` and `[]` are false; `{}` is true.
    var isLogicTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0 && !value.isNaN
        case .string(let value): !value.isEmpty
        case .list(let value): !value.isEmpty
        case .object: true
        }
    }

    /// `Number(value)`: booleans are 0 or 1, `null` and `""` 0, text its number or NaN, `[]` 0, `[x]` Number(x).
    var number: Double {
        switch self {
        case .null: return 0
        case .bool(let value): return value ? 1 : 0
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .string(let text):
            let trimmed = text.trimmingJavaScriptSpace()
            if trimmed.isEmpty { return 0 }
            return Double(trimmed) ?? .nan
        case .list(let elements):
            switch elements.count {
            case 0: return 0
            case 1: return elements[0].number
            default: return .nan
            }
        case .object: return .nan
        }
    }

    /// `String(value)`: `null`, `true`, numbers as JavaScript prints them, lists joined by commas.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): Self.javaScriptText(value)
        case .string(let value): value
        case .list(let elements): elements.map { if case .null = $0 { "" } else { $0.text } }.joined(separator: ",")
        case .object: "[object Object]"
        }
    }

    /// A number result: integral values as `.int`, as JSON would write them; others (and NaN) as `.double`.
    static func number(_ value: Double) -> FlagValue {
        if value.isFinite, value == value.rounded(), abs(value) < 9.007_199_254_740_992e15 { return .int(Int(value)) }
        return .double(value)
    }

    static func javaScriptText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == value.rounded(), abs(value) < 1e21 { return String(Int(value)) }
        return value.description
    }

    private var isPrimitive: Bool {
        switch self {
        case .list, .object: false
        default: true
        }
    }

    /// JavaScript's `==`.
    func looselyEquals(_ other: FlagValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        case (.string(let left), .string(let right)): return left.hasSameCodePoints(as: right)
        case (.bool, .bool), (.int, _), (.double, _), (_, .int), (_, .double), (.bool, .string), (.string, .bool):
            guard isPrimitive, other.isPrimitive else { return primitiveText.looselyEquals(other.primitiveText) }
            return number == other.number
        case (.list, .list), (.object, .object), (.list, .object), (.object, .list): return false  // identity: never equal
        default: return primitiveText.looselyEquals(other.primitiveText)
        }
    }

    /// A list or object converted to a primitive (its text), as `==` and `<` do.
    private var primitiveText: FlagValue { isPrimitive ? self : .string(text) }

    /// JavaScript's `===`.
    func strictlyEquals(_ other: FlagValue) -> Bool {
        switch (self, other) {
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return number == other.number
        case (.list, _), (.object, _): return false
        case (.string(let left), .string(let right)): return left.hasSameCodePoints(as: right)
        default: return self == other
        }
    }

    /// JavaScript's `<` (and, with the operands swapped, `>`): text against text by UTF-16 code units, anything else
    /// as numbers, where NaN compares false.
    func isLess(than other: FlagValue, orEqual: Bool) -> Bool {
        let left = primitiveText, right = other.primitiveText
        if case .string(let a) = left, case .string(let b) = right {
            return orEqual ? !b.utf16.lexicographicallyPrecedes(a.utf16) : a.utf16.lexicographicallyPrecedes(b.utf16)
        }
        let a = left.number, b = right.number
        return orEqual ? a <= b : a < b
    }
}

extension String {
    /// The text without leading and trailing white space and line breaks, as JavaScript's `trim()` (and `Number()`)
    /// skip them.
    public func trimmingJavaScriptSpace() -> Substring {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return self[start...end]
    }
}
