import FlagConfig
import FlagEngine
import FlagSync
import Foundation

/// The `/health` JSON of docs/metrics.md: a reading of FlagSync's ``ConfigStatus`` and the config in use at one
/// instant. Building it changes nothing.
struct HealthReport: Encodable, Equatable {
    var healthy: Bool
    var configAgeSeconds: Double?
    var configStale: Bool
    var circuitBreakerState: String
    var lastRefresh: String?
    var lastChange: String?
    var refreshFailures: Int
    var refreshMode: String
    var cacheSize: Int
    var version: String?
    var environment: String
    var source: String
    var servingCache: Bool
    var lastError: String?

    init(status: ConfigStatus, flagSet: FlagSet, refreshMode: RefreshMode, environment: String, source: ConfigSource, now: Double) {
        healthy = status.isHealthy(at: now)
        configAgeSeconds = status.ageSeconds(at: now).map { ($0 * 1000).rounded() / 1000 }
        configStale = status.isStale(at: now)
        circuitBreakerState = status.breaker.healthName
        lastRefresh = status.lastRefresh.map { RFC3339Time.format($0) }
        lastChange = status.lastChange.map { RFC3339Time.format($0) }
        refreshFailures = status.consecutiveFailures
        self.refreshMode = refreshMode.rawValue
        cacheSize = status.isLoaded ? flagSet.count : 0
        version = status.isLoaded ? flagSet.info.version : nil
        self.environment = environment
        self.source = source.description
        servingCache = status.isServingCache
        lastError = status.lastError
    }

    init(runtime: ConfigRuntime, now: Double) {
        self.init(
            status: runtime.status, flagSet: runtime.store.snapshot, refreshMode: runtime.refreshMode,
            environment: runtime.environment, source: runtime.source, now: now)
    }

    enum CodingKeys: String, CodingKey {
        case healthy
        case configAgeSeconds = "config_age_seconds"
        case configStale = "config_stale"
        case circuitBreakerState = "circuit_breaker_state"
        case lastRefresh = "last_refresh"
        case lastChange = "last_change"
        case refreshFailures = "refresh_failures"
        case refreshMode = "refresh_mode"
        case cacheSize = "cache_size"
        case version
        case environment
        case source
        case servingCache = "serving_cache"
        case lastError = "last_error"
    }

    /// Every key but `last_error` is always there (`null` when unknown); `last_error` only after a failed check.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(healthy, forKey: .healthy)
        try container.encode(configAgeSeconds, forKey: .configAgeSeconds)
        try container.encode(configStale, forKey: .configStale)
        try container.encode(circuitBreakerState, forKey: .circuitBreakerState)
        try container.encode(lastRefresh, forKey: .lastRefresh)
        try container.encode(lastChange, forKey: .lastChange)
        try container.encode(refreshFailures, forKey: .refreshFailures)
        try container.encode(refreshMode, forKey: .refreshMode)
        try container.encode(cacheSize, forKey: .cacheSize)
        try container.encode(version, forKey: .version)
        try container.encode(environment, forKey: .environment)
        try container.encode(source, forKey: .source)
        try container.encode(servingCache, forKey: .servingCache)
        try container.encodeIfPresent(lastError, forKey: .lastError)
    }

    /// The report as JSON text, keys sorted (the same status always prints the same bytes).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, numbers and booleans cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
