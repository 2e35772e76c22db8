import FlagConfig
public import FlagEngine

extension EvaluationResult {
    /// The result as one line of JSON with a stable key order:
    /// `flag_key, variant, value, reason, rule, error, bucket, rollout, condition_errors` (absent fields omitted).
    public var jsonLine: String {
        var output = "{\"flag_key\":"
        JSONText.writeString(flagKey, to: &output)
        output += ",\"variant\":"
        JSONText.writeString(variant, to: &output)
        output += ",\"value\":"
        JSONText.write(value, to: &output)
        output += ",\"reason\":\""
        output += reason.rawValue
        output += "\""
        if let rule {
            output += ",\"rule\":"
            JSONText.writeString(rule, to: &output)
        }
        if let error {
            output += ",\"error\":\""
            output += error.rawValue
            output += "\""
        }
        if let bucket {
            output += ",\"bucket\":"
            JSONText.writeNumber(bucket, to: &output)
        }
        if let rolloutOutcome {
            output += ",\"rollout\":\""
            output += rolloutOutcome.rawValue
            output += "\""
        }
        if conditionErrors > 0 {
            output += ",\"condition_errors\":"
            output += String(conditionErrors)
        }
        output += "}"
        return output
    }
}
