import Settings
import FlagConfig
import FlagEngine
import FlagSync
import WireFormat

/// The `/health` JSON of docs/metrics.md: a reading of FlagSync's ``ConfigStatus`` and the config in use at one
/// instant. Building it changes nothing.
struct HealthReport: Equatable {
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

    /// The report as JSON text, keys in sorted order (the same status always prints the same bytes). Every key but
    /// `last_error` is always there (`null` when unknown); `last_error` only after a failed check.
    var json: String {
        JSONWriter.object(reservingCapacity: 512) { object in
            object.add("cache_size", cacheSize)
            object.add("circuit_breaker_state", circuitBreakerState)
            object.add("config_age_seconds", configAgeSeconds)
            object.add("config_stale", configStale)
            object.add("environment", environment)
            object.add("healthy", healthy)
            object.add("last_change", lastChange)
            if let lastError { object.add("last_error", lastError) }
            object.add("last_refresh", lastRefresh)
            object.add("refresh_failures", refreshFailures)
            object.add("refresh_mode", refreshMode)
            object.add("serving_cache", servingCache)
            object.add("source", source)
            object.add("version", version)
        }
    }
}
