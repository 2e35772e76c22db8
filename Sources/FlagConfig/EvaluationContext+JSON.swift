public import FlagEngine

/// Why a JSON context was refused (maps to OpenFeature's INVALID_CONTEXT).
public struct InvalidContextError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension EvaluationContext {
    /// Builds a context from a JSON object.
    ///
    /// Accepts the seed's field names (`user_id`, `user_type`, `environment`, `request_id`, `timestamp`,
    /// `custom_attributes`), OpenFeature's `targetingKey` as `user_id`, and any other top-level scalar as a custom
    /// attribute (OFREP's flat contexts). `timestamp` is unix seconds or an RFC 3339 string. Attribute values must be
    /// scalars.
    public init(json: FlagValue) throws(InvalidContextError) {
        guard case .object(let members) = json else {
            throw InvalidContextError(message: "context must be a JSON object")
        }
        self.init()
        func text(_ key: String, _ value: FlagValue) throws(InvalidContextError) -> String? {
            switch value {
            case .null: return nil
            case .string(let string): return string
            default: throw InvalidContextError(message: "'\(key)' must be a string, not \(value.typeName)")
            }
        }
        for (key, value) in members {
            switch key {
            case "user_id", "targetingKey": userID = try text(key, value)
            case "user_type": userType = try text(key, value)
            case "environment": environment = try text(key, value)
            case "request_id": requestID = try text(key, value)
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
                    if value == .null { continue }
                    throw InvalidContextError(message: "'custom_attributes' must be an object")
                }
                for (name, attribute) in attributes {
                    customAttributes[name] = try Self.attribute(name, attribute)
                }
            default:
                customAttributes[key] = try Self.attribute(key, value)
            }
        }
    }

    private static func attribute(_ name: String, _ value: FlagValue) throws(InvalidContextError) -> AttributeValue {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .string(let text): .string(text)
        case .list, .object:
            throw InvalidContextError(message: "attribute '\(name)' must be a scalar, not a list or object")
        }
    }
}
