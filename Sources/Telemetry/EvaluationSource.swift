/// Where an evaluation came from: the `source` label of the evaluation metrics.
public enum EvaluationSource: String, Sendable, CaseIterable, Hashable {
    /// The modelled population the exporter evaluates on its own.
    case synthetic
    /// A configured canary check with an expected variant.
    case canary
    /// Real traffic: an OFREP request or a line of the mirror feed, as our engine evaluates it.
    case mirror
    /// The same real traffic as the application reported deciding it: the `variant` of each mirror line that carries
    /// one, counted with our decision step (so a split's sample-ratio mismatch is the application's).
    case mirrorObserved = "mirror_observed"
}

/// Why mirrored input was refused: the `reason` label of `feature_flag_mirror_dropped_total`.
public enum MirrorDropReason: String, Sendable, CaseIterable, Hashable {
    case malformed
    case tooLarge = "too_large"
    case rateLimited = "rate_limited"
}

/// Why the HTTP server refused a connection or request: the `reason` of `feature_flag_exporter_http_refused_total`.
public enum HTTPRefusalReason: String, Sendable, CaseIterable, Hashable {
    /// `--web.max-connections` connections were already open; the new one was closed at once.
    case connectionLimit = "connection_limit"
    /// The request was not read in full within `--web.read-timeout`; the connection was closed.
    case readTimeout = "read_timeout"
    /// The request line and headers exceeded `--web.max-header-bytes` (431).
    case headerTooLarge = "header_too_large"
    /// The body exceeded its route's limit (413).
    case bodyTooLarge = "body_too_large"
    /// Bytes that are not HTTP/1.1 (400, then closed).
    case malformed
    /// The TLS handshake failed: plain HTTP on the TLS port, no or an untrusted client certificate.
    case tlsHandshake = "tls_handshake"
    /// Missing or wrong basic-auth credentials (401).
    case unauthorized
    /// The mirror rate limit (429).
    case rateLimited = "rate_limited"
    /// A keep-alive connection idle between requests, closed to make room for a new one at the connection cap.
    case idleEvicted = "idle_evicted"
}
