import FlagConfig
import WireFormat
public import FlagEngine

extension EvaluationResult {
    /// The result as one line of JSON with a stable key order:
    /// `flag_key, variant, value, reason, rule, error, bucket, rollout, condition_errors` (absent fields omitted).
    public var jsonLine: String {
        JSONWriter.object { json in
            json.add("flag_key", flagKey)
            json.add("variant", variant)
            json.add("value", value)
            json.add("reason", reason.rawValue)
            if let rule { json.add("rule", rule) }
            if let error { json.add("error", error.rawValue) }
            if let bucket { json.add("bucket", bucket) }
            if let rolloutOutcome { json.add("rollout", rolloutOutcome.rawValue) }
            if conditionErrors > 0 { json.add("condition_errors", conditionErrors) }
        }
    }
}
