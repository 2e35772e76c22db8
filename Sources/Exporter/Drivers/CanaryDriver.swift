public import FlagConfig
import FlagEngine
public import Logging
public import ServiceLifecycle
import Telemetry

/// Checks every canary once per interval: `feature_flag_canary_success{canary,flag_key}` is 1 when the flag served
/// the expected variant for the canary's context, 0 otherwise (also when the flag is gone).
public struct CanaryDriver: Service {
    let runtime: ConfigRuntime
    let settings: ExporterSettings.Canaries
    let logger: Logger

    public init(runtime: ConfigRuntime, settings: ExporterSettings.Canaries, logger: Logger) {
        self.runtime = runtime
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        guard !settings.checks.isEmpty else { return }
        runtime.telemetry.retainCanaries(Set(settings.checks.map(\.name)))
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
        let flagSet = runtime.store.snapshot
        var tally = EvaluationTally(flagSet: flagSet)
        var failed: [String] = []
        for canary in settings.checks {
            let success: Bool
            if let index = flagSet.index(of: canary.flag) {
                let outcome = flagSet.evaluate(flagAt: index, in: canary.context)
                tally.record(outcome)
                let served = flagSet.variantName(flagAt: index, variant: outcome.variantIndex)
                success = served == canary.expectedVariant
                if !success {
                    logger.warning(
                        "canary failed",
                        metadata: [
                            "canary": "\(canary.name)", "flag_key": "\(canary.flag)",
                            "expected": "\(canary.expectedVariant)", "served": "\(served)",
                            "reason": "\(outcome.reason.rawValue)",
                        ])
                }
            } else {
                success = false
                logger.warning("canary flag not in config", metadata: ["canary": "\(canary.name)", "flag_key": "\(canary.flag)"])
            }
            if !success { failed.append(canary.name) }
            runtime.telemetry.recordCanary(name: canary.name, flagKey: canary.flag, success: success)
        }
        runtime.telemetry.flush(&tally, source: .canary)
        return failed
    }
}
