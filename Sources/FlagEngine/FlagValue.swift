/// A variant's value: a JSON-like value, as the flags file and OFREP carry it.
///
/// Values are plain data and safe to share between threads.
public enum FlagValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([FlagValue])
    case object([String: FlagValue])

    /// Python-style truthiness, as the seed system's `is_enabled` used it.
    ///
    /// `false`, `0`, `0.0`, the empty string, `null` and empty lists or objects are false; everything else is true.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .list(let value): !value.isEmpty
        case .object(let value): !value.isEmpty
        }
    }

    /// The OpenFeature type name of this value: `boolean`, `integer`, `float`, `string` or `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "float"
        case .string: "string"
        case .list, .object: "object"
        }
    }
}

extension FlagValue: CustomStringConvertible {
    /// The value as compact JSON text.
    public var description: String {
        var output = ""
        JSONText.write(self, to: &output)
        return output
    }
}
