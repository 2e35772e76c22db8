/// The server's limits, each refusal counted in `feature_flag_exporter_http_refused_total{reason}`.
///
/// The body limit is not here: OFREP bodies are evaluation contexts, capped by `mirror.max_line_bytes` of the
/// exporter config like the lines of the JSONL feed; the other routes take no body and refuse any declared one over
/// the same size.
public struct HTTPLimits: Sendable, Hashable {
    /// `--web.max-connections`: connections open at once; the next one is answered 503 (plain HTTP) and closed.
    public var maximumConnections = 512
    /// `--web.read-timeout`: seconds from a request's first byte (or, on TLS, the handshake's) until the whole
    /// request is read; a slower client is cut off (slowloris).
    public var readTimeout = 10.0
    /// `--web.idle-timeout`: seconds a keep-alive connection may sit with no request before it is closed.
    public var idleTimeout = 120.0
    /// `--web.max-header-bytes`: the request line's target, and the header fields together, at most this many bytes
    /// (431 or 414).
    public var maximumHeaderBytes = 16_384

    public init() {}
}
