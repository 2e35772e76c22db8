public import FlagEngine
import Telemetry

/// The OpenFeature Remote Evaluation Protocol's wire shapes (https://openfeature.dev/specification/appendix-c).
public enum OFREP {
    /// OpenFeature's reason for one of ours: ROLLOUT_MATCH is SPLIT (pseudorandom assignment) for percentage and
    /// gradual rollouts and TARGETING_MATCH for user lists; FLAG_DISABLED is DISABLED; PREREQUISITE_FAILED is
    /// DEFAULT; EVALUATION_ERROR is ERROR. Our own reason is kept in `metadata.reason`.
    public static func reason(_ result: EvaluationResult, definition: FlagDefinition?) -> String {
        switch result.reason {
        case .staticValue: "STATIC"
        case .targetingMatch: "TARGETING_MATCH"
        case .split: "SPLIT"
        case .flagDisabled: "DISABLED"
        case .defaultValue, .prerequisiteFailed: "DEFAULT"
        case .evaluationError, .flagNotFound: "ERROR"
        case .rolloutMatch:
            if case .userList? = definition?.rollout?.strategy { "TARGETING_MATCH" } else { "SPLIT" }
        }
    }

    /// One successful evaluation: `{"key","reason","variant","value","metadata"}`.
    public static func success(_ result: EvaluationResult, definition: FlagDefinition?, to output: inout String) {
        output += "{\"key\":"
        JSONText.writeString(result.flagKey, to: &output)
        output += ",\"reason\":\""
        output += reason(result, definition: definition)
        output += "\",\"variant\":"
        JSONText.writeString(result.variant, to: &output)
        output += ",\"value\":"
        JSONText.write(result.value, to: &output)
        output += ",\"metadata\":{\"reason\":\""
        output += result.reason.rawValue
        output += "\""
        if let rule = result.rule {
            output += ",\"rule\":"
            JSONText.writeString(rule, to: &output)
        }
        output += "}}"
    }

    /// An error body: `{"key"?, "errorCode", "errorDetails"}`.
    public static func error(key: String?, code: String, details: String) -> String {
        var output = "{"
        if let key {
            output += "\"key\":"
            JSONText.writeString(key, to: &output)
            output += ","
        }
        output += "\"errorCode\":\""
        output += code
        output += "\",\"errorDetails\":"
        JSONText.writeString(details, to: &output)
        output += "}"
        return output
    }
}
