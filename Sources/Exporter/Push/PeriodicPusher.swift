import BlockingWork
import FlagEngine
import Locking
public import Logging
import Pushgateway
public import ServiceLifecycle
public import Telemetry

/// Pushes the registry `/metrics` serves to a Pushgateway every ``PushPlan/interval`` (`--push.gateway-url`), for
/// exporters that Prometheus cannot scrape.
///
/// Pushes run on the blocking pool (``BlockingWork``), so a slow or unreachable gateway (timeouts, retries) never
/// holds up scrapes or evaluations. Each push is counted in `feature_flag_push_*`; a failure is logged once per
/// distinct error and its recovery once. On shutdown one last push sends the final counts, then the group is deleted
/// when ``PushPlan/deleteOnShutdown`` is set.
public struct PeriodicPusher: Service {
    let plan: PushPlan
    let telemetry: ExporterTelemetry
    let mirror: MirrorEvaluator?
    let logger: Logger
    /// Pushes (and the delete on shutdown) run here, one at a time, on the blocking pool.
    private let pushes = BlockingWork.shared.serialQueue()

    public init(plan: PushPlan, telemetry: ExporterTelemetry, mirror: MirrorEvaluator?, logger: Logger) {
        self.plan = plan
        self.telemetry = telemetry
        self.mirror = mirror
        self.logger = logger
        telemetry.push.enable()
    }

    public func run() async throws {
        logger.info(
            "pushing to the Pushgateway",
            metadata: [
                "url": "\(plan.client.configuration.redactedURL)", "group": "\(plan.group)",
                "method": "\(plan.method.rawValue)", "interval": .stringConvertible(plan.interval),
            ])
        let lastError = LastError()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                lastError.set(await pushOnce(lastError: lastError.get()))
                try await Task.sleep(for: .seconds(plan.interval))
            }
        }
        _ = await pushOnce(lastError: lastError.get())
        if plan.deleteOnShutdown {
            let client = plan.client
            let group = plan.group
            let result = await pushes.run { () -> String? in
                do throws(PushError) {
                    try client.delete(group)
                    return nil
                } catch {
                    return error.message
                }
            }
            if let result {
                logger.warning("could not delete the push group on shutdown", metadata: ["error": "\(result)"])
            } else {
                logger.info("deleted the push group on shutdown", metadata: ["group": "\(plan.group)"])
            }
        }
    }

    /// One push; returns its error message (nil when accepted), logging only changes.
    private func pushOnce(lastError: String?) async -> String? {
        let now = EvaluationClock.system.now()
        let body = telemetry.exposition(flushing: mirror, now: now)
        let client = plan.client
        let group = plan.group
        let method = plan.method
        let outcome: Result<PushReport, PushError> = await pushes.run {
            Result { () throws(PushError) in try client.push(body, to: group, method: method) }
        }
        let finished = EvaluationClock.system.now()
        switch outcome {
        case .success(let report):
            telemetry.push.recordSuccess(durationSeconds: report.durationSeconds, at: finished)
            if lastError != nil {
                logger.info("pushing to the Pushgateway works again", metadata: ["attempts": .stringConvertible(report.attempts)])
            }
            return nil
        case .failure(let error):
            telemetry.push.recordFailure(PushErrorType(error.kind), durationSeconds: finished - now)
            if error.message != lastError {
                logger.warning(
                    "push to the Pushgateway failed; scraping and evaluation go on",
                    metadata: ["error_type": "\(error.kind.rawValue)", "error": "\(error.message)"])
            }
            return error.message
        }
    }
}

/// The last push error, shared between the push loop and the final push.
private final class LastError: Sendable {
    private let message = Locked<String?>(nil)

    func get() -> String? { message.withLock { $0 } }
    func set(_ value: String?) { message.withLock { $0 = value } }
}
