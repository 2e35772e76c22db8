import Settings
import FlagEngine
import WireFormat
import FlagConfig
public import Logging
public import ServiceLifecycle
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

/// Tails a JSON-lines file of real decisions, `{"flag_key": ..., "context": {...}, "variant": ...?}` per line, and
/// evaluates each line as mirrored traffic. When `variant` is present and differs from ours,
/// `feature_flag_mirror_mismatch_total{flag_key}` counts it.
///
/// Like `tail -F`: a file present at start is read from its end; a file that appears later, or replaces the old one
/// (rotation: another inode), is read from its start; a file that shrinks (truncation) is read again from its start.
/// Over-long lines are skipped up to their newline and counted `too_large`; lines that are not such JSON objects are
/// counted `malformed`; lines over the rate limit are counted `rate_limited`.
public struct MirrorFeed: Service {
    let path: String
    let evaluator: MirrorEvaluator
    let logger: Logger
    let pollInterval: Double

    public init(path: String, evaluator: MirrorEvaluator, logger: Logger, pollInterval: Double = 0.2) {
        self.path = path
        self.evaluator = evaluator
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        logger.info("mirror feed tailing", metadata: ["path": "\(path)"])
        try? await cancelWhenGracefulShutdown {
            var tail = FileTail(path: path, maximumLineBytes: evaluator.settings.maximumLineBytes)
            tail.startAtEnd()
            while !Task.isCancelled {
                // At most 4 MiB per pass, then yield, so a flood never monopolises a thread.
                let batch = tail.readLines(budgetBytes: 4 << 20)
                for event in batch.events {
                    switch event {
                    case .line(let bytes): process(bytes)
                    case .tooLong: evaluator.mirrorMetrics.recordDropped(.tooLarge)
                    }
                }
                // Wait only when nothing was read: an over-long line being skipped yields no events but is read
                // (and dropped) at disk speed, not one budget per poll interval.
                if batch.bytes == 0 { try await Task.sleep(for: .seconds(pollInterval)) } else { await Task.yield() }
            }
        }
        evaluator.flush()
    }

    /// Evaluates one line; returns whether ours differed from the observed variant (nil when not compared).
    @discardableResult
    public func process(_ bytes: [UInt8]) -> Bool? {
        guard evaluator.admit() == nil else { return nil }
        guard let record = MirrorRecord.decode(line: bytes) else {
            evaluator.mirrorMetrics.recordDropped(.malformed)
            return nil
        }
        let key = record.flagKey
        guard let evaluated = evaluator.evaluate(key, in: record.context) else { return nil }
        guard var observed = record.observedVariant else { return nil }
        // Unleash SDKs name the variant of an enabled toggle without variants `disabled`; ours is `enabled`.
        if evaluated.flagSet.format == .unleash, observed == "disabled", record.observedEnabled == true { observed = "enabled" }
        // The application's own decision, counted beside ours: realised shares and SRM of what it really served.
        if let index = evaluated.flagSet.variantIndex(flagAt: evaluated.outcome.flagIndex, named: observed) {
            evaluator.recordObserved(evaluated.flagSet.observed(evaluated.outcome, variantIndex: index), on: evaluated.flagSet)
        }
        if !observed.hasSameCodePoints(as: evaluated.result.variant) {
            evaluator.mirrorMetrics.recordMismatch(flagKey: key)
            return true
        }
        return false
    }
}

