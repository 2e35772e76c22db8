public import FlagConfig
public import FlagEngine
public import Telemetry
import Synchronization

/// The config in use: loads the flags file, swaps the ``FlagStore`` only when the new content is valid, and keeps
/// telemetry in step.
///
/// A failed read, a parse error or a validation error never replaces the config in use; it is counted
/// (`feature_flag_config_reloads_total{status="failure"}`, `feature_flag_refresh_failure_total{error_type}`) and
/// returned with its located diagnostics.
public final class ConfigRuntime: Sendable {
    public let store: FlagStore
    public let telemetry: ExporterTelemetry
    public let configPath: String
    public let environment: String
    private let state: Mutex<State>

    struct State {
        var loaded = false
        var lastError: String?
    }

    /// The outcome of one reload.
    public enum ReloadOutcome: Sendable {
        /// New content applied.
        case applied(LoadedConfig)
        /// The content is the same as the config in use.
        case unchanged
        /// Refused; the config in use stays.
        case rejected(FlagConfigError)
    }

    public init(configPath: String, environment: String, telemetry: ExporterTelemetry) {
        self.configPath = configPath
        self.environment = environment
        self.telemetry = telemetry
        self.store = FlagStore()
        self.state = Mutex(State())
    }

    /// Whether a config has been loaded (what `/-/ready` reports).
    public var isReady: Bool { state.withLock { $0.loaded } }

    /// The last refusal's message, if the last reload was refused.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Reads and applies the flags file (and its environment overlay).
    @discardableResult
    public func reload() -> ReloadOutcome {
        let started = MonotonicClock.seconds()
        let now = EvaluationClock.system.now()
        do {
            let loaded = try FlagConfigLoader.load(path: configPath, environment: environment)
            let duration = MonotonicClock.seconds() - started
            telemetry.recordRefresh(success: true, durationSeconds: duration, at: now)
            let current = store.snapshot
            let wasLoaded = isReady
            if wasLoaded && current.info.checksum == loaded.flagSet.info.checksum {
                state.withLock { $0.lastError = nil }
                return .unchanged
            }
            _ = store.replace(with: loaded.flagSet)
            telemetry.configure(loaded.flagSet, contentChanged: true, now: now)
            telemetry.recordReload(success: true)
            state.withLock {
                $0.loaded = true
                $0.lastError = nil
            }
            return .applied(loaded)
        } catch {
            let duration = MonotonicClock.seconds() - started
            telemetry.recordRefresh(
                success: false, errorType: error.stage.rawValue, durationSeconds: duration, at: now)
            telemetry.recordReload(success: false)
            state.withLock { $0.lastError = error.description }
            return .rejected(error)
        }
    }
}
