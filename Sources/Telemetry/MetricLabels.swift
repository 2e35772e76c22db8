/// The label values of the exporter's closed label sets, one type each, so a series cannot be recorded under a value
/// that nothing exposes at 0 (every case is exposed from the start, docs/metrics.md).

/// `error_type` of `feature_flag_refresh_failure_total`.
public enum RefreshErrorType: String, Sendable, Hashable, CaseIterable {
    /// The source could not be reached.
    case connection
    /// A fetch took longer than `source.timeout`.
    case timeout
    /// The source answered with a status that is not 2xx or 304.
    case httpStatus = "http_status"
    /// A local file (or the cache) could not be read.
    case io
    /// The content is not well-formed.
    case parse
    /// The content is well-formed but not a valid config.
    case validation
    /// Not tried: the circuit breaker is open.
    case circuitBreakerOpen = "circuit_breaker_open"
}

/// `error_type` of `feature_flag_push_failure_total`.
public enum PushErrorType: String, Sendable, Hashable, CaseIterable {
    /// Refused, reset or unresolvable: the gateway is unreachable.
    case connection
    /// An attempt took longer than its timeout.
    case timeout
    /// The gateway answered with a status other than 2xx.
    case httpStatus = "http_status"
    /// Nothing was sent: an invalid URL, body or credential.
    case invalid
}

/// `error_type` of `feature_flag_errors_total`.
public enum EvaluationErrorType: String, Sendable, Hashable, CaseIterable {
    /// A rule's condition compared values of different types.
    case typeMismatch = "type_mismatch"
    /// A mirrored request named a flag the config does not have.
    case flagNotFound = "flag_not_found"
    /// A mirrored request lacked the id the flag's rollout buckets by.
    case targetingKeyMissing = "targeting_key_missing"
    /// A mirrored request's context could not be read.
    case invalidContext = "invalid_context"
}
