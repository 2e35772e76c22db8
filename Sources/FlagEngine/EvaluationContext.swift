/// Who is asking: the attributes a flag is evaluated against.
///
/// Mirrors the seed system's `EvaluationContext`. Only `user_id` (or the rollout's `bucket_by` attribute)
/// takes part in bucketing; the rest feed targeting-rule conditions.
public struct EvaluationContext: Sendable, Hashable {
    /// The bucketing id of a user. Without it no rollout ever hits.
    public var userID: String?
    /// The kind of user (`admin`, `developer`, ...), as conditions test it with `user_type`.
    public var userType: String?
    /// The caller's environment name, as conditions test it with `environment`.
    public var environment: String?
    /// An optional request id, available to conditions as `request_id`.
    public var requestID: String?
    /// An optional evaluation time in unix seconds; when set, gradual rollouts are evaluated at that time.
    public var timestamp: Double?
    /// Any further attributes, by name; conditions read them as bare names or through `custom_attributes`.
    public var customAttributes: [String: AttributeValue]

    /// Creates a context; every attribute is optional.
    public init(
        userID: String? = nil,
        userType: String? = nil,
        environment: String? = nil,
        requestID: String? = nil,
        timestamp: Double? = nil,
        customAttributes: [String: AttributeValue] = [:]
    ) {
        self.userID = userID
        self.userType = userType
        self.environment = environment
        self.requestID = requestID
        self.timestamp = timestamp
        self.customAttributes = customAttributes
    }
}

/// A context attribute: a scalar, or (from OpenFeature contexts) a list or an object of attributes.
///
/// Conditions read into objects with dotted names (`account.plan`) and test lists with `in`; only scalars bucket.
public indirect enum AttributeValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([AttributeValue])
    case object([String: AttributeValue])

    /// The member at `path` inside nested objects; `nil` when a step is missing or is not an object.
    public func member(at path: some Collection<String>) -> AttributeValue? {
        var current = self
        for name in path {
            guard case .object(let members) = current, let next = members.value(forCodePoints: name) else { return nil }
            current = next
        }
        return current
    }

    /// The attribute as text for bucketing, spelt as the seed's Python `str()` would (`True`, `5`, `5.0`).
    public var bucketingText: String? {
        switch self {
        case .null, .list, .object: nil
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): flag ? "True" : "False"
        case .double(let number):
            number.isFinite && number == number.rounded() && abs(number) < 1e16
                ? String(Int(number)) + ".0" : number.description
        }
    }
}
