/// The flags file's `global:` section.
public struct GlobalSettings: Sendable, Hashable {
    /// Percentage of a rollout flag whose rollout gives none.
    public var defaultRolloutPercentage: Double
    /// Whether percentage buckets are sticky (hash of flag and id) or drawn at random per evaluation.
    public var stickyBucketing: Bool
    /// Accepted and exported; evaluation is bounded by construction.
    public var evaluationTimeoutMilliseconds: Double
    /// When false, no per-evaluation metrics are recorded.
    public var metricsEnabled: Bool
    /// When false, file changes are not watched (manual reload still works).
    public var hotReloadEnabled: Bool

    public init(
        defaultRolloutPercentage: Double = 10,
        stickyBucketing: Bool = true,
        evaluationTimeoutMilliseconds: Double = 100,
        metricsEnabled: Bool = true,
        hotReloadEnabled: Bool = true
    ) {
        self.defaultRolloutPercentage = defaultRolloutPercentage
        self.stickyBucketing = stickyBucketing
        self.evaluationTimeoutMilliseconds = evaluationTimeoutMilliseconds
        self.metricsEnabled = metricsEnabled
        self.hotReloadEnabled = hotReloadEnabled
    }
}

/// Facts about a loaded configuration, exported in `feature_flag_config_info`.
public struct FlagSetInfo: Sendable, Hashable {
    public var version: String
    public var schemaVersion: String
    /// Hex SHA-256 of the effective configuration's source bytes.
    public var checksum: String
    public var environment: String
    /// Where the configuration came from (a path or URL, without credentials).
    public var source: String
    /// Thresholds from the `alerts:` section, by alert name.
    public var alertThresholds: [String: Double]

    public init(
        version: String = "",
        schemaVersion: String = "",
        checksum: String = "",
        environment: String = "development",
        source: String = "",
        alertThresholds: [String: Double] = [:]
    ) {
        self.version = version
        self.schemaVersion = schemaVersion
        self.checksum = checksum
        self.environment = environment
        self.source = source
        self.alertThresholds = alertThresholds
    }
}
