import FlagConfig
public import Settings
public import FlagEngine
import Locking
public import Logging
public import ServiceLifecycle
public import Telemetry
import SystemIO

/// Checks every canary once per interval: `feature_flag_canary_success{canary,flag_key}` is 1 when the flag served
/// the expected variant for the canary's context, 0 otherwise (also when the flag is gone).
///
/// Logs transitions only, as the pusher does: a canary's first failure, and its recovery; not every failing check.
public struct CanaryDriver: Service {
    let store: FlagStore
    let evaluations: EvaluationMetrics
    let results: CanaryMetrics
    let settings: ExporterSettings.Canaries
    let logger: Logger
    /// Whether each canary passed its last check; a canary not yet checked is absent.
    private let lastResults = Locked<[String: Bool]>([:])

    public init(
        store: FlagStore, evaluations: EvaluationMetrics, results: CanaryMetrics, settings: ExporterSettings.Canaries,
        logger: Logger
    ) {
        self.store = store
        self.evaluations = evaluations
        self.results = results
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        guard !settings.checks.isEmpty else { return }
        results.retain(Set(settings.checks.map(\.name)))
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                checkAll()
                try await Task.sleep(for: .seconds(settings.interval))
            }
        }
    }

    /// Runs every canary once against the config in use; returns the names of those that failed.
    @discardableResult
    public func checkAll() -> [String] {
        let flagSet = store.snapshot
        var tally = EvaluationTally(flagSet: flagSet)
        var failed: [String] = []
        for canary in settings.checks {
            var failure: Logger.Metadata?
            if let index = flagSet.index(of: canary.flag) {
                let started = SystemClock.monotonicSeconds()
                let outcome = flagSet.evaluate(flagAt: index, in: canary.context)
                tally.recordDuration(seconds: SystemClock.monotonicSeconds() - started)
                tally.record(outcome)
                let served = flagSet.variantName(flagAt: index, variant: outcome.variantIndex)
                if served != canary.expectedVariant {
                    failure = [
                        "expected": "\(canary.expectedVariant)", "served": "\(served)", "reason": "\(outcome.reason.rawValue)",
                    ]
                }
            } else {
                failure = ["error": "the flag is not in the config"]
            }
            let success = failure == nil
            let previous = lastResults.withLock { results in
                defer { results[canary.name] = success }
                return results[canary.name]
            }
            let identity: Logger.Metadata = ["canary": "\(canary.name)", "flag_key": "\(canary.flag)"]
            if let failure, previous != false {
                logger.warning("canary failed", metadata: identity.merging(failure) { $1 })
            } else if success, previous == false {
                logger.info("canary recovered", metadata: identity)
            }
            if !success { failed.append(canary.name) }
            results.record(name: canary.name, flagKey: canary.flag, success: success)
        }
        evaluations.flush(&tally, source: .canary)
        return failed
    }
}
