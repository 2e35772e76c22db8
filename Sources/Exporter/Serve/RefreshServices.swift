public import Settings
import FlagConfig
import FlagEngine
import FlagSync
import Dispatch
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif
import Telemetry

/// The refresh plan `serve` runs: resolved from flags, environment variables, `exporter.yaml` and the
/// per-environment defaults, in that order.
public struct RefreshPlan: Sendable, Hashable {
    public var mode: RefreshMode
    /// Seconds between periodic checks.
    public var interval: Double
    /// Fraction of the interval each wait may differ by.
    public var jitter: Double
    public var staleThreshold: Double
    public var redisURL: String?
    public var channel: String
    /// Whether a local file is watched with inotify (the flags file's `global.hot_reload_enabled`).
    public var watchFile: Bool

    public init(
        mode: RefreshMode, interval: Double, jitter: Double, staleThreshold: Double, redisURL: String?,
        channel: String, watchFile: Bool
    ) {
        self.mode = mode
        self.interval = interval
        self.jitter = jitter
        self.staleThreshold = staleThreshold
        self.redisURL = redisURL
        self.channel = channel
        self.watchFile = watchFile
    }

    /// The next wait: the interval, plus or minus up to `jitter` of it.
    func nextWait() -> Double {
        interval * (1 + jitter * Double.random(in: -1...1))
    }
}

/// Checks the source every interval (with jitter) when the mode polls, and, whatever the mode, retries with capped
/// backoff until a first config is loaded from the source.
struct PeriodicRefresher: Service {
    let runtime: ConfigRuntime
    let plan: RefreshPlan

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var backoff = 1.0
            while !Task.isCancelled {
                let status = runtime.status
                let loadedFromSource = status.isLoaded && !status.isServingCache
                if !loadedFromSource {
                    // Not serving the source's config yet: keep trying, quickly at first.
                    try await Task.sleep(for: .seconds(min(backoff, plan.mode.polls ? plan.interval : 30)))
                    backoff = min(backoff * 2, 30)
                    await runtime.refresh(trigger: .periodic)
                    continue
                }
                guard plan.mode.polls else { break }
                try await Task.sleep(for: .seconds(plan.nextWait()))
                await runtime.refresh(trigger: .periodic)
            }
        }
        // A service that returns early stops the whole group: stay until shutdown.
        try? await gracefulShutdown()
    }
}

/// The circuit breaker's own clock: when the breaker is open, it sleeps until the recovery timeout passes and turns
/// it half-open, so the gauge and `transitions_total{to="half_open"}` move on time whether or not anyone scrapes, and
/// no reader (a scrape, `/health`) changes the breaker's state.
struct BreakerClock: Service {
    let runtime: ConfigRuntime
    /// The longest sleep between looks: a breaker that opens meanwhile is seen within it.
    var tick = 0.25

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = EvaluationClock.system.now()
                let due = runtime.breakerHalfOpensAt.map { max(0, $0 - now) } ?? tick
                try await Task.sleep(for: .seconds(min(due, tick)))
                runtime.advanceBreaker(now: EvaluationClock.system.now())
            }
        }
    }
}

/// Watches a local flags file with inotify and checks it on every change (debounced), and every quarter of the
/// staleness threshold as a safety net.
struct FileWatchRefresher: Service {
    let runtime: ConfigRuntime
    let paths: [String]
    let plan: RefreshPlan
    let logger: Logger

    func run() async throws {
        let (changes, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        let watcher: FileWatcher
        do {
            watcher = try FileWatcher(paths: paths, safetyInterval: max(1, plan.staleThreshold / 4)) { changed in
                continuation.yield(changed)
            }
        } catch {
            logger.error("cannot watch the flags file; periodic checks and /-/reload still work", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        logger.info("watching the flags file", metadata: ["paths": "\(paths.joined(separator: ","))"])
        defer { watcher.stop() }
        await cancelWhenGracefulShutdown {
            for await changed in changes {
                await runtime.refresh(trigger: changed ? .fileChange : .fileCheck)
            }
        }
        continuation.finish()
    }
}

/// Subscribes to the Redis channel; any message triggers a check. Reconnects with capped exponential backoff and
/// says so in the logs and in `feature_flag_pubsub_*`.
struct RedisRefresher: Service {
    let runtime: ConfigRuntime
    let metrics: PubSubMetrics
    let endpoint: RedisEndpoint
    let channel: String
    let logger: Logger

    func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: RedisSubscriberEvent.self)
        let subscriber = RedisSubscriber(endpoint: endpoint, channel: channel) { event in continuation.yield(event) }
        defer { subscriber.stop() }
        // Checks are coalesced: at most one in flight and one queued, however many messages arrive meanwhile, so a
        // flood of PUBLISHes costs a few fetches, not one each.
        let (checks, requestCheck) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in checks { await runtime.refresh(trigger: .pubsub) }
                }
                await handle(events, requestCheck: requestCheck)
                requestCheck.finish()
            }
        }
        continuation.finish()
    }

    private func handle(
        _ events: AsyncStream<RedisSubscriberEvent>, requestCheck: AsyncStream<Void>.Continuation
    ) async {
        for await event in events {
            switch event {
            case .subscribed(let attempt):
                metrics.setConnected(true)
                if attempt > 0 { metrics.recordReconnect() }
                logger.info(
                    attempt == 0 ? "subscribed" : "resubscribed",
                    metadata: ["redis": "\(endpoint)", "channel": "\(channel)", "attempt": .stringConvertible(attempt)])
                // A change published while we were away would be missed: check now.
                if attempt > 0 { requestCheck.yield() }
            case .message:
                metrics.recordMessage()
                requestCheck.yield()
            case .disconnected(let error, let retryIn):
                metrics.setConnected(false)
                logger.warning(
                    "redis subscription lost; reconnecting",
                    metadata: ["redis": "\(endpoint)", "error": "\(error.description)", "retry_in_seconds": .stringConvertible(Double(Int(retryIn * 1000)) / 1000)])
            }
        }
    }
}

/// Reloads on SIGHUP, as Prometheus, node_exporter and blackbox_exporter do: the flags (a check of the source, logged
/// and counted like `POST /-/reload`) and the web config (read again now rather than at the next connection).
struct HangupReloader: Service {
    let runtime: ConfigRuntime
    let files: AccessFiles
    let logger: Logger

    /// Ignores SIGHUP's default action (ending the process) until the service listens for it; call it first thing.
    static func takeOverSignal() {
        signal(SIGHUP, SIG_IGN)
    }

    func run() async throws {
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer {
            source.cancel()
            continuation.finish()
        }
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                logger.info(files.webConfig == nil ? "SIGHUP: reloading the config" : "SIGHUP: reloading the config and the web config")
                await files.reload()
                await runtime.refresh(trigger: .hangup)
            }
        }
    }
}
