public import FlagConfig
public import Settings
public import FlagEngine
public import FlagSync
public import Logging
public import Telemetry
import Locking

/// The config side of the exporter: a ``ConfigSynchronizer`` for the source, with every check counted in the config
/// and flag metrics and logged. Refreshers, `/-/reload` and SIGHUP ask it to check; readers get its ``store`` (the
/// flags in use) and its ``status`` (how they stand), never the synchroniser or the telemetry behind it.
///
/// A failed fetch, a parse error or a validation error never replaces the config in use; it is counted
/// (`feature_flag_config_reloads_total{status="failure"}`, `feature_flag_refresh_failure_total{error_type}`),
/// logged once per distinct error, and shown in `/health` as `last_error`.
public final class ConfigRuntime: ConfigStatusReading {
    private let synchronizer: ConfigSynchronizer
    private let telemetry: ExporterTelemetry
    public let environment: String
    public let refreshMode: RefreshMode
    let logger: Logger
    private let state: Locked<State>

    /// The last error logged, so that a failure repeating on every check is logged once.
    struct State {
        var loggedError: String?
    }

    public init(
        synchronizer: ConfigSynchronizer, telemetry: ExporterTelemetry, environment: String, refreshMode: RefreshMode,
        logger: Logger
    ) {
        self.synchronizer = synchronizer
        self.telemetry = telemetry
        self.environment = environment
        self.refreshMode = refreshMode
        self.logger = logger
        state = Locked(State())
        telemetry.config.readStatus(from: synchronizer)
    }

    /// A runtime over a local flags file with no cache, for commands and tests.
    public convenience init(configPath: String, environment: String, telemetry: ExporterTelemetry, logger: Logger) {
        let fetcher = SourceFetcher(
            source: .file(path: configPath), environment: environment, options: ExporterSettings.Source(), variables: [:])
        self.init(
            synchronizer: ConfigSynchronizer(fetcher: fetcher, breaker: CircuitBreaker(), cache: nil),
            telemetry: telemetry, environment: environment, refreshMode: .none, logger: logger)
    }

    public var store: FlagStore { synchronizer.store }
    public var source: ConfigSource { synchronizer.fetcher.source }

    /// Whether a config has been loaded (what `/-/ready` and OFREP's readiness report); one atomic load.
    public var isLoaded: Bool { synchronizer.isLoaded }

    /// How the config in use stands, as FlagSync keeps it.
    public var status: ConfigStatus { synchronizer.status }

    /// When the open breaker turns half-open; `nil` unless it is open.
    public var breakerHalfOpensAt: Double? { synchronizer.breakerHalfOpensAt }

    /// Checks the source now, blocking the calling thread (startup, commands, tests).
    @discardableResult
    public func check(trigger: RefreshTrigger) -> RefreshReport {
        let report = synchronizer.check(trigger: trigger)
        record(report)
        return report
    }

    /// Checks the source on the synchroniser's queue.
    @discardableResult
    public func refresh(trigger: RefreshTrigger) async -> RefreshReport {
        let report = await synchronizer.checkAsync(trigger: trigger)
        record(report)
        return report
    }

    /// Serves the cache file when the source cannot be reached at startup; the config stays stale until a check
    /// succeeds.
    public func serveCache() -> LoadedConfig? {
        do {
            guard let loaded = try synchronizer.loadCache() else { return nil }
            telemetry.configure(loaded.flagSet, now: EvaluationClock.system.now())
            logger.warning(
                "serving the cached config, marked stale until the source answers",
                metadata: [
                    "cache": "\(synchronizer.cache?.path ?? "")", "version": "\(loaded.flagSet.info.version)",
                    "flags": .stringConvertible(loaded.flagSet.count),
                ])
            return loaded
        } catch {
            logger.error("the cache file is unusable", metadata: ["error": "\(error.description)"])
            return nil
        }
    }

    /// Moves the breaker to `now` and counts a transition: an open breaker whose recovery timeout has passed turns
    /// half-open. ``BreakerClock`` calls it on time; scrapes and `/health` only read.
    public func advanceBreaker(now: Double) {
        let (_, transition) = synchronizer.advanceBreaker(at: now)
        guard let transition else { return }
        telemetry.config.recordBreakerTransition(to: transition.to)
        logger.info("circuit breaker half-open: the next check is a trial", metadata: ["from": "\(transition.from.rawValue)", "to": "\(transition.to.rawValue)"])
    }

    func record(_ report: RefreshReport) {
        telemetry.config.record(report)
        for transition in report.transitions {
            let metadata: Logger.Metadata = ["from": "\(transition.from.rawValue)", "to": "\(transition.to.rawValue)"]
            if transition.to == .open {
                logger.warning("circuit breaker opened: checks fail fast until the recovery timeout", metadata: metadata)
            } else {
                logger.info("circuit breaker \(transition.to == .closed ? "closed" : "half-open")", metadata: metadata)
            }
        }
        let metadata: Logger.Metadata = ["trigger": "\(report.trigger.rawValue)", "source": "\(source)"]
        switch report.outcome {
        case .applied(let loaded):
            telemetry.configure(loaded.flagSet, now: report.startedAt)
            state.withLock { $0.loggedError = nil }
            logger.info(
                "config applied",
                metadata: metadata.merging(
                    ["version": "\(loaded.flagSet.info.version)", "flags": .stringConvertible(loaded.flagSet.count)]) { $1 })
            for warning in loaded.warnings { logger.warning("\(warning.description)") }
            if let cacheError = report.cacheError {
                logger.error("could not write the cache file", metadata: ["error": "\(cacheError.description)"])
            }
        case .unchanged:
            state.withLock { $0.loggedError = nil }
        case .rejected, .failed, .breakerOpen:
            let message = report.errorDescription ?? "unknown"
            let firstTime = state.withLock { state in
                defer { state.loggedError = message }
                return state.loggedError != message
            }
            if firstTime {
                logger.error(
                    synchronizer.isLoaded
                        ? "config check failed; keeping the config in use"
                        : "config check failed; no config loaded yet, so not ready until a check succeeds",
                    metadata: metadata.merging(["error_type": "\(report.refreshErrorType?.rawValue ?? "")", "error": "\(message)"]) { $1 })
            }
        }
    }
}
