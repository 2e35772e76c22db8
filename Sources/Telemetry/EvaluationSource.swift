/// Where an evaluation came from: the `source` label of the evaluation metrics.
public enum EvaluationSource: String, Sendable, CaseIterable, Hashable {
    /// The modelled population the exporter evaluates on its own.
    case synthetic
    /// A configured canary check with an expected variant.
    case canary
    /// Real traffic: an OFREP request or a line of the mirror feed.
    case mirror
}

/// Why mirrored input was refused: the `reason` label of `feature_flag_mirror_dropped_total`.
public enum MirrorDropReason: String, Sendable, CaseIterable, Hashable {
    case malformed
    case tooLarge = "too_large"
    case rateLimited = "rate_limited"
}
