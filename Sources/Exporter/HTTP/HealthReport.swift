import FlagConfig
import FlagSync
import FlagEngine
import Telemetry

/// The `/health` JSON of docs/metrics.md.
struct HealthReport {
    var healthy: Bool
    var json: String

    init(runtime: ConfigRuntime, now: Double) {
        let freshness = runtime.telemetry.freshness(now: now)
        let flagSet = runtime.store.snapshot
        let breaker = runtime.synchronizer.breakerState
        healthy = runtime.isReady && !freshness.stale && breaker != .open
        var output = "{\"healthy\":"
        output += healthy ? "true" : "false"
        output += ",\"config_age_seconds\":"
        if let age = freshness.ageSeconds { JSONText.writeNumber((age * 1000).rounded() / 1000, to: &output) } else { output += "null" }
        output += ",\"config_stale\":"
        output += freshness.stale ? "true" : "false"
        output += ",\"circuit_breaker_state\":"
        JSONText.writeString(breaker.healthName, to: &output)
        output += ",\"last_refresh\":"
        Self.writeTime(freshness.lastRefresh, to: &output)
        output += ",\"last_change\":"
        Self.writeTime(freshness.lastChange, to: &output)
        output += ",\"refresh_failures\":"
        output += String(freshness.consecutiveFailures)
        output += ",\"refresh_mode\":"
        JSONText.writeString(runtime.refreshMode.rawValue, to: &output)
        output += ",\"cache_size\":"
        output += String(runtime.isReady ? flagSet.count : 0)
        output += ",\"version\":"
        if runtime.isReady { JSONText.writeString(flagSet.info.version, to: &output) } else { output += "null" }
        output += ",\"environment\":"
        JSONText.writeString(runtime.environment, to: &output)
        output += ",\"source\":"
        JSONText.writeString(runtime.source.description, to: &output)
        output += ",\"serving_cache\":"
        output += runtime.synchronizer.isServingCache ? "true" : "false"
        if let error = runtime.lastError {
            output += ",\"last_error\":"
            JSONText.writeString(error, to: &output)
        }
        output += "}"
        json = output
    }

    static func writeTime(_ seconds: Double?, to output: inout String) {
        guard let seconds else {
            output += "null"
            return
        }
        output += "\""
        output += RFC3339Time.format(seconds)
        output += "\""
    }
}
