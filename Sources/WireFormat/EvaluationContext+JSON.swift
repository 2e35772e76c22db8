public import FlagEngine

/// Why a context was refused (maps to OpenFeature's INVALID_CONTEXT).
public struct InvalidContextError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}

extension EvaluationContext {
    /// The deepest nesting of lists and objects a context attribute may have.
    public static let maximumAttributeDepth = 16

    /// Builds a context from a JSON object (an OFREP `context`, a mirror line's `context`).
    ///
    /// Each member goes through ``set(_:to:)``: the mapping is in docs/configuration.md, "Contexts".
    public init(json: FlagValue) throws(InvalidContextError) {
        guard case .object(let members) = json else {
            throw InvalidContextError(message: "context must be a JSON object")
        }
        self.init()
        for (key, value) in members {
            try set(key, to: value)
        }
    }

    /// Sets one context member by its name, as every context source (OFREP, the mirror feed, canaries) spells it.
    ///
    /// - `targetingKey` (OpenFeature), `user_id` and `userId` are the user id, the bucketing id;
    /// - `user_type` / `userType`, `environment`, `request_id` / `requestId` are the seed's named fields (strings);
    /// - `timestamp` is unix seconds or an RFC 3339 string;
    /// - `custom_attributes` is an object whose members are custom attributes;
    /// - any other member is a custom attribute: a scalar, or a list or object of them (nested at most
    ///   ``maximumAttributeDepth`` deep), which conditions read as `name`, `name.member` or with `in`.
    ///
    /// Two spellings of one field with different values are refused: the context would be ambiguous.
    public mutating func set(_ key: String, to value: FlagValue) throws(InvalidContextError) {
        // The well-known names are ASCII. A `switch` on a `String` would also take a canonically equivalent spelling
        // (`targeting\u{212A}ey`, with a KELVIN SIGN, is `targetingKey` to Swift), which flagd, Unleash and the seed read
        // as an attribute of its own.
        guard key.isAllASCII else { return try setAttribute(key, value) }
        switch key {
        case "user_id", "targetingKey", "userId": try setField(&userID, key, value, spellings: "targetingKey/user_id/userId")
        case "user_type", "userType": try setField(&userType, key, value, spellings: "user_type/userType")
        case "environment": try setField(&environment, key, value, spellings: "environment")
        case "request_id", "requestId": try setField(&requestID, key, value, spellings: "request_id/requestId")
        case "timestamp":
            switch value {
            case .null: timestamp = nil
            case .int(let seconds): timestamp = Double(seconds)
            case .double(let seconds): timestamp = seconds
            case .string(let string):
                guard let seconds = RFC3339Time.parse(string) else {
                    throw InvalidContextError(message: "'timestamp' is not an RFC 3339 time: \(string)")
                }
                timestamp = seconds
            default: throw InvalidContextError(message: "'timestamp' must be unix seconds or RFC 3339 text")
            }
        case "custom_attributes":
            guard case .object(let attributes) = value else {
                if value == .null { return }
                throw InvalidContextError(message: "'custom_attributes' must be an object")
            }
            for (name, attribute) in attributes { try setAttribute(name, attribute) }
        default:
            try setAttribute(key, value)
        }
    }

    /// Sets custom attribute `name`, which a context may give twice: as a member and inside `custom_attributes`.
    /// Different values, or two names that differ only in Unicode normalization, are refused like two spellings of
    /// one field: the attribute a rule reads would otherwise depend on the order the members happen to be visited in.
    private mutating func setAttribute(_ name: String, _ value: FlagValue) throws(InvalidContextError) {
        let attribute = try Self.attribute(name, value, depth: 0)
        if let held = customAttributes.value(forCodePoints: name) {
            guard held.isIdentical(to: attribute) else {
                throw InvalidContextError(message: "the attribute '\(name)' is given twice with different values")
            }
            return
        }
        do {
            try customAttributes.setValue(attribute, forCodePoints: name)
        } catch {
            // Named in code point order: the members come in an arbitrary order.
            throw InvalidContextError(message: "attribute names \(error.inCodePointOrder)")
        }
    }

    private func setField(
        _ field: inout String?, _ key: String, _ value: FlagValue, spellings: String
    ) throws(InvalidContextError) {
        let text: String?
        switch value {
        case .null: text = nil
        case .string(let string): text = string
        default: throw InvalidContextError(message: "'\(key)' must be a string, not \(value.typeName)")
        }
        if let existing = field, let text, !existing.hasSameCodePoints(as: text) {
            // Named without the member order (a JSON object has none), so the message is the same for every order.
            throw InvalidContextError(message: "the spellings \(spellings) of one field have different values")
        }
        if let text { field = text }
    }

    /// A JSON value as an attribute, nested at most ``maximumAttributeDepth`` deep; `name` is for the error.
    public static func attribute(_ name: String, _ value: FlagValue, depth: Int) throws(InvalidContextError) -> AttributeValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .list(let items):
            guard depth < maximumAttributeDepth else { throw tooDeep(name) }
            var values: [AttributeValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try attribute(name, item, depth: depth + 1)) }
            return .list(values)
        case .object(let members):
            guard depth < maximumAttributeDepth else { throw tooDeep(name) }
            var values: [String: AttributeValue] = [:]
            for (key, member) in members { values[key] = try attribute(name, member, depth: depth + 1) }
            return .object(values)
        }
    }

    private static func tooDeep(_ name: String) -> InvalidContextError {
        InvalidContextError(message: "attribute '\(name)' is nested deeper than \(maximumAttributeDepth) levels")
    }
}
