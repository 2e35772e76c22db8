/// How the config in use stands: whether there is one, where it came from, how fresh it is and how the source has
/// been answering. One value, owned by ``ConfigSynchronizer`` and changed only by its checks (and, for the breaker's
/// open → half-open step, by its own clock); `/health`, `/-/ready` and the config metrics read copies of it.
public struct ConfigStatus: Sendable, Hashable {
    /// Whether any config is in use.
    public var isLoaded = false
    /// Whether the config in use came from the cache file (no check has succeeded since the start).
    public var isServingCache = false
    /// Unix time of the last successful check of the source (applied or unchanged).
    public var lastRefresh: Double?
    /// Unix time the config in use last changed content (or was first loaded).
    public var lastChange: Double?
    /// Failed checks since the last successful one.
    public var consecutiveFailures = 0
    /// The last failed check's message, until a check succeeds.
    public var lastError: String?
    /// The circuit breaker's state.
    public var breaker = CircuitBreaker.State.closed
    /// Seconds after the last successful check at which the config counts as stale.
    public var staleThreshold: Double

    public init(staleThreshold: Double = 300) {
        self.staleThreshold = staleThreshold
    }

    /// Seconds since the last successful check at `now`; `nil` when no check has succeeded.
    public func ageSeconds(at now: Double) -> Double? {
        lastRefresh.map { now - $0 }
    }

    /// Whether the config in use is stale at `now`: no successful check yet (a cached config), or the last one
    /// older than ``staleThreshold``.
    public func isStale(at now: Double) -> Bool {
        ageSeconds(at: now).map { $0 > staleThreshold } ?? true
    }

    /// Whether the exporter is healthy at `now`: a config in use, fresh, and the breaker not open.
    public func isHealthy(at now: Double) -> Bool {
        isLoaded && !isStale(at: now) && breaker != .open
    }

    /// Takes in the end of one check (what ``ConfigSynchronizer`` does after each).
    public mutating func record(_ report: RefreshReport) {
        breaker = report.breakerState
        if report.succeeded {
            lastRefresh = report.startedAt
            consecutiveFailures = 0
            lastError = nil
        } else {
            consecutiveFailures += 1
            lastError = report.errorDescription
        }
        if case .applied = report.outcome {
            isLoaded = true
            isServingCache = false
            lastChange = report.startedAt
        }
    }
}

/// Reads how the config in use stands. ``ConfigSynchronizer`` owns the status; `/health`, `/-/ready`, OFREP's
/// readiness and the config gauges receive a reader and nothing more.
public protocol ConfigStatusReading: Sendable {
    /// The status as it stands; reading it changes nothing.
    var status: ConfigStatus { get }
    /// Whether any config is in use (``ConfigStatus/isLoaded``), without copying the rest of the status.
    var isLoaded: Bool { get }
}

extension ConfigStatusReading {
    public var isLoaded: Bool { status.isLoaded }
}

extension ConfigSynchronizer: ConfigStatusReading {}
