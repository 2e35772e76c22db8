public import FlagEngine

/// The OpenFeature Remote Evaluation Protocol's wire shapes (OFREP 0.3.0, open-feature/protocol
/// `service/openapi.yaml`). docs/ofrep.md has the tables this type implements.
public enum OFREP {
    /// OFREP's `errorCode`: OpenFeature's error codes, the engine's own list.
    public typealias ErrorCode = EvaluationErrorCode

    /// OpenFeature's reasons, as OFREP's `reason` spells them.
    public enum Reason: String, Sendable, CaseIterable {
        case staticValue = "STATIC"
        case targetingMatch = "TARGETING_MATCH"
        case split = "SPLIT"
        case disabled = "DISABLED"
        case defaultValue = "DEFAULT"
        case unknown = "UNKNOWN"
        case error = "ERROR"
    }

    /// OpenFeature's reason for one of ours (docs/ofrep.md, "Reasons"). The engine's own reason stays in
    /// `metadata.reason`.
    ///
    /// - a percentage or gradual rollout decided the user, in or out: SPLIT (a pseudorandom assignment);
    /// - a user list decided: TARGETING_MATCH when listed, DEFAULT when not;
    /// - FLAG_DISABLED is DISABLED; PREREQUISITE_FAILED and a rollout never reached are DEFAULT;
    /// - for a flagd flag, a `fractional` pick is TARGETING_MATCH, as flagd reports it.
    public static func reason(_ result: EvaluationResult, definition: FlagDefinition?, format: FlagSetFormat = .seed) -> Reason {
        if format == .flagd, result.reason == .split { return .targetingMatch }
        let listed: Bool
        if case .userList? = definition?.rollout?.strategy { listed = true } else { listed = false }
        switch result.reason {
        case .staticValue: return .staticValue
        case .targetingMatch: return .targetingMatch
        case .split: return .split
        case .flagDisabled: return .disabled
        case .prerequisiteFailed: return .defaultValue
        case .evaluationError, .flagNotFound: return .error
        case .rolloutMatch: return listed ? .targetingMatch : .split
        case .defaultValue: return result.rolloutOutcome == .miss && !listed ? .split : .defaultValue
        }
    }

    /// The error for an evaluation whose rollout needed a bucketing id the context lacks: TARGETING_KEY_MISSING
    /// when the flag buckets by the user id (OpenFeature's targeting key), INVALID_CONTEXT when by another attribute.
    public static func missingBucketingID(_ definition: FlagDefinition) -> Failure {
        let field = definition.rollout?.bucketBy ?? "user_id"
        if field == "user_id" {
            return Failure(
                key: definition.key, code: .targetingKeyMissing,
                details: "flag '\(definition.key)' rolls out by user and the context has no targetingKey")
        }
        return Failure(
            key: definition.key, code: .invalidContext,
            details: "flag '\(definition.key)' rolls out by '\(field)' and the context has no such attribute")
    }

    /// The failure of a flag whose targeting cannot be read (a flagd `$ref` to a missing evaluator), as flagd
    /// answers it: `PARSE_ERROR`.
    public static func unreadableTargeting(_ definition: FlagDefinition) -> Failure {
        Failure(key: definition.key, code: .parseError,
                details: "flag '\(definition.key)' has targeting that names a $ref its $evaluators lack")
    }

    /// One failed flag: the body of an error response, or an item of a bulk response.
    public struct Failure: Sendable, Hashable {
        public var key: String?
        public var code: ErrorCode
        public var details: String

        public init(key: String?, code: ErrorCode, details: String) {
            self.key = key
            self.code = code
            self.details = details
        }

        /// `{"key"?, "errorCode", "errorDetails"}`, as the next value of `json`.
        public func write(into json: inout JSONWriter) {
            json.object { body in
                if let key { body.add("key", key) }
                body.add("errorCode", code.rawValue)
                body.add("errorDetails", details)
            }
        }

        /// The failure as a JSON object.
        public var json: String {
            var writer = JSONWriter(reservingCapacity: 128)
            write(into: &writer)
            return writer.text
        }
    }

    /// One successful evaluation: `{"key","reason","variant","value","metadata"}`. `metadata` holds the flag's own
    /// scalar metadata (phase, owner…), then the engine's `reason` and the matching `rule`.
    ///
    /// `codeDefault`: the flag leaves the value to the caller (flagd's disabled flags and `defaultVariant: null`), so the
    /// answer has no `variant` and no `value`: OFREP's `codeDefaultFlag`, as flagd sends it.
    public static func success(_ result: EvaluationResult, definition: FlagDefinition?, format: FlagSetFormat = .seed,
                               codeDefault: Bool = false, into json: inout JSONWriter) {
        json.object { body in
            body.add("key", result.flagKey)
            body.add("reason", reason(result, definition: definition, format: format).rawValue)
            if !codeDefault {
                body.add("variant", result.variant)
                body.add("value", result.value)
            }
            body.object("metadata") { metadata in
                for entry in definition?.metadata ?? [:] where entry.key != "reason" && entry.key != "rule" {
                    switch entry.value {
                    case .bool, .int, .double, .string: metadata.add(entry.key, entry.value)
                    case .null, .list, .object: continue  // OFREP's metadata values are booleans, numbers and strings only
                    }
                }
                metadata.add("reason", result.reason.rawValue)
                if let rule = result.rule { metadata.add("rule", rule) }
            }
        }
    }
}
