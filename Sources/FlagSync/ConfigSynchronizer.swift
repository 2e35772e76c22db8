import BlockingWork
public import FlagConfig
import Settings
public import FlagEngine
import Locking
import Synchronization
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// What started a check of the source.
public enum RefreshTrigger: String, Sendable, Hashable {
    case startup
    case periodic
    case pubsub
    case fileChange = "file_change"
    /// A watched file's periodic safety re-read.
    case fileCheck = "file_check"
    /// `POST /-/reload`.
    case manual
    /// SIGHUP, as Prometheus and its exporters take it.
    case hangup = "sighup"
}

/// The result of one check, for the caller to log and count.
public struct RefreshReport: Sendable {
    public enum Outcome: Sendable {
        /// New content, valid, now in use.
        case applied(LoadedConfig)
        /// The source answered with the content in use (or "not modified").
        case unchanged
        /// The source answered with content that does not parse or validate; the config in use stays.
        case rejected(FlagConfigError)
        /// The source did not answer; the config in use stays.
        case failed(FetchError)
        /// The circuit breaker is open: no fetch was made.
        case breakerOpen
    }

    public var trigger: RefreshTrigger
    public var outcome: Outcome
    /// Unix time the check started.
    public var startedAt: Double
    public var durationSeconds: Double
    /// Breaker state changes during the check, in order.
    public var transitions: [CircuitBreaker.Transition]
    /// The breaker's state after the check.
    public var breakerState: CircuitBreaker.State
    /// Set when the config was applied but could not be written to the cache file.
    public var cacheError: CacheError?

    public init(
        trigger: RefreshTrigger, outcome: Outcome, startedAt: Double, durationSeconds: Double,
        transitions: [CircuitBreaker.Transition] = [], breakerState: CircuitBreaker.State, cacheError: CacheError? = nil
    ) {
        self.trigger = trigger
        self.outcome = outcome
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.transitions = transitions
        self.breakerState = breakerState
        self.cacheError = cacheError
    }

    /// Whether the source was checked successfully (applied or unchanged).
    public var succeeded: Bool {
        switch outcome {
        case .applied, .unchanged: true
        case .rejected, .failed, .breakerOpen: false
        }
    }

    /// The failure, for logs and `/health`.
    public var errorDescription: String? {
        switch outcome {
        case .applied, .unchanged: nil
        case .rejected(let error): error.description
        case .failed(let error): error.description
        case .breakerOpen: "circuit breaker open: the source failed repeatedly; the next trial is after the recovery timeout"
        }
    }
}

/// Keeps the ``FlagStore`` in step with the config source: fetches behind a ``CircuitBreaker``, parses and
/// validates, swaps only valid new content, and writes the last good config to the cache file.
///
/// Checks run one at a time on a serial queue; a check never replaces the config in use with anything but a
/// complete valid config.
public final class ConfigSynchronizer: Sendable {
    public let store: FlagStore
    public let fetcher: SourceFetcher
    public let cache: ConfigCache?
    public let strict: Bool
    private let state: Locked<State>
    /// Checks run here, one at a time, on the blocking pool.
    private let checks = BlockingWork.shared.serialQueue()

    struct State {
        var breaker: CircuitBreaker
        var validator: FetchValidator?
        var status: ConfigStatus
    }

    /// - Parameter staleThreshold: seconds after the last successful check at which the config counts as stale.
    public init(
        fetcher: SourceFetcher, breaker: CircuitBreaker, cache: ConfigCache?, strict: Bool = false,
        staleThreshold: Double = 300
    ) {
        self.fetcher = fetcher
        self.cache = cache
        self.strict = strict
        store = FlagStore()
        state = Locked(State(breaker: breaker, status: ConfigStatus(staleThreshold: staleThreshold)))
    }

    /// The status of the config in use as it stands; reading it changes nothing.
    public var status: ConfigStatus { state.withLock { $0.status } }

    /// Whether any config is in use: one atomic load, for readers on the request path (OFREP's readiness) that need
    /// nothing else of the status. Set, never cleared, when the status first records a config in use.
    public var isLoaded: Bool { hasConfig.load(ordering: .acquiring) }
    private let hasConfig = Atomic<Bool>(false)

    /// When the open breaker turns half-open; `nil` unless it is open.
    public var breakerHalfOpensAt: Double? { state.withLock { $0.breaker.halfOpensAt } }

    /// Moves the breaker to `now`: an open breaker whose recovery timeout has passed turns half-open. Called by the
    /// breaker's own clock (``advanceBreaker(at:)`` in `serve`) and by each check, never by a reader.
    public func advanceBreaker(at now: Double) -> (state: CircuitBreaker.State, transition: CircuitBreaker.Transition?) {
        state.withLock { state in
            let moved = state.breaker.state(at: now)
            state.status.breaker = moved.state
            return moved
        }
    }

    /// Checks the source now, blocking the calling thread until done (for the synchronous commands); serialised with
    /// every other check.
    public func check(trigger: RefreshTrigger) -> RefreshReport {
        checks.runAndWait { self.checkAndRecord(trigger: trigger) }
    }

    /// Checks the source on the blocking pool, after any check already asked for: off the event loops and the
    /// cooperative pool.
    public func checkAsync(trigger: RefreshTrigger) async -> RefreshReport {
        await checks.run { self.checkAndRecord(trigger: trigger) }
    }

    private func checkAndRecord(trigger: RefreshTrigger) -> RefreshReport {
        let report = performCheck(trigger: trigger)
        state.withLock { $0.status.record(report) }
        return report
    }

    /// Serves the cache file, when the source cannot be reached at startup. The config counts as stale until a
    /// check succeeds.
    public func loadCache() throws(FlagConfigError) -> LoadedConfig? {
        guard let cache, cache.exists else { return nil }
        let loaded = try cache.load()
        putInUse(loaded.flagSet, fromCache: true)
        return loaded
    }

    /// Puts `flagSet` in use: the store, then the status's loaded and cache facts, then the lock-free loaded flag, so
    /// a reader that sees ``isLoaded`` also sees the flags. (A check's report records the rest of the status.)
    private func putInUse(_ flagSet: FlagSet, fromCache: Bool) {
        store.replace(with: flagSet)
        state.withLock {
            $0.status.isLoaded = true
            $0.status.isServingCache = fromCache
            if fromCache { $0.status.lastChange = SystemClock.unixSeconds() }
        }
        hasConfig.store(true, ordering: .releasing)
    }

    private func performCheck(trigger: RefreshTrigger) -> RefreshReport {
        let startedAt = SystemClock.unixSeconds()
        let started = SystemClock.monotonicSeconds()
        var transitions: [CircuitBreaker.Transition] = []
        let (permit, transition, validator) = state.withLock { state in
            let (permit, transition) = state.breaker.permit(at: startedAt)
            return (permit, transition, state.validator)
        }
        if let transition { transitions.append(transition) }
        func report(_ outcome: RefreshReport.Outcome, fetchSucceeded: Bool?, cacheError: CacheError? = nil) -> RefreshReport {
            let finished = SystemClock.unixSeconds()
            let breakerState = state.withLock { state in
                if let fetchSucceeded, let transition = state.breaker.record(success: fetchSucceeded, at: finished) {
                    transitions.append(transition)
                }
                return state.breaker.state(at: finished).state
            }
            return RefreshReport(
                trigger: trigger, outcome: outcome, startedAt: startedAt,
                durationSeconds: SystemClock.monotonicSeconds() - started, transitions: transitions, breakerState: breakerState,
                cacheError: cacheError)
        }
        guard permit != .refused else { return report(.breakerOpen, fetchSucceeded: nil) }

        let fetched: FetchedConfig
        do {
            switch try fetcher.fetch(validator: validator) {
            case .notModified:
                return report(.unchanged, fetchSucceeded: true)
            case .fetched(let config):
                fetched = config
            }
        } catch {
            return report(.failed(error), fetchSucceeded: false)
        }
        // The store answered: whatever the content is, the breaker counts a success.
        let loaded: LoadedConfig
        do {
            loaded = try FlagConfigLoader.load(
                base: fetched.base, overlay: fetched.overlay, environment: fetcher.environment, strict: strict,
                format: fetcher.options.format)
        } catch {
            return report(.rejected(error), fetchSucceeded: true)
        }
        // Environments are the seed format's: a flagd or Unleash source serves every environment alike.
        if loaded.flagSet.format == .seed, let unknown = fetcher.unknownEnvironmentError(fetched, sections: loaded.environmentSections) {
            return report(.rejected(unknown), fetchSucceeded: true)
        }
        let current = store.snapshot
        if let shrink = Self.shrinkError(loaded, replacing: isLoaded ? current : nil, fetched, fetcher.options) {
            return report(.rejected(shrink), fetchSucceeded: true)
        }
        let unchanged = state.withLock { state in
            state.validator = fetched.validator
            let same = state.status.isLoaded && !state.status.isServingCache
                && current.info.checksum == loaded.flagSet.info.checksum
            return same
        }
        if unchanged { return report(.unchanged, fetchSucceeded: true) }
        putInUse(loaded.flagSet, fromCache: false)
        var cacheError: CacheError?
        if let cache {
            do { try cache.write(fetched) } catch { cacheError = error }
        }
        return report(.applied(loaded), fetchSucceeded: true, cacheError: cacheError)
    }
}

extension ConfigSynchronizer {
    /// The error for a config that would wipe the flags: none at all (unless `source.allow_empty`), or fewer than
    /// `1 - source.max_flag_loss` of the flags in use. Flags are counted by key, so renaming most of them counts too.
    static func shrinkError(
        _ loaded: LoadedConfig, replacing current: FlagSet?, _ fetched: FetchedConfig, _ options: ExporterSettings.Source
    ) -> FlagConfigError? {
        let location = SourceLocation(file: fetched.base.name)
        func refusal(_ message: String) -> FlagConfigError {
            FlagConfigError(
                diagnostics: [ConfigDiagnostic(severity: .error, location: location, path: "flags", message: message)],
                stage: .validation)
        }
        if loaded.flagSet.count == 0 && !options.allowEmpty {
            return refusal(
                "the config has no flags; refused so an emptied store cannot wipe them (set source.allow_empty: true "
                    + "in the exporter config if no flags is what you mean)")
        }
        guard let current, current.count > 0, options.maximumFlagLoss < 1 else { return nil }
        let kept = current.definitions.reduce(0) { $0 + (loaded.flagSet.index(of: $1.key) == nil ? 0 : 1) }
        let lost = current.count - kept
        guard Double(lost) > Double(current.count) * options.maximumFlagLoss else { return nil }
        return refusal(
            "the new config drops \(lost) of the \(current.count) flags in use at once, more than source.max_flag_loss "
                + "(\(options.maximumFlagLoss)); refused, the config in use stays. Raise max_flag_loss (1 allows any loss) if "
                + "this is intended")
    }
}
