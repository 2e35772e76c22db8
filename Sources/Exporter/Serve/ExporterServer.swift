import FlagConfig
public import Settings
import FlagEngine
import Hummingbird
import HummingbirdCore
public import Logging
import FlagSync
import ServiceLifecycle
import UnixSignals
import Telemetry

/// `serve`: loads the config, starts the drivers and the HTTP server, and runs until SIGTERM or SIGINT.
public enum ExporterServer {
    /// Runs the exporter; returns after a graceful shutdown.
    ///
    /// - Parameter onListening: called with the bound port once the server accepts connections (port 0 picks a
    ///   free one).
    public static func run(
        options: ServeOptions, settings: ExporterSettings, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let telemetry = ExporterTelemetry(
            version: BuildInfo.version, revision: BuildInfo.revision, swiftVersion: BuildInfo.swiftVersion,
            maximumFlagSeries: options.maximumFlagSeries)
        HangupReloader.takeOverSignal()
        try ListenProbe.check(host: options.listenHost, port: options.listenPort)
        for address in options.additionalListenAddresses {
            try ListenProbe.check(host: address.host, port: address.port)
        }
        if let cacheFile = options.cacheFile ?? settings.source.cacheFile {
            try StartupPaths.checkDirectory(of: cacheFile, for: "the cache file", writable: true)
        }
        if let mirrorFile = options.mirrorFile {
            try StartupPaths.checkDirectory(of: mirrorFile, for: "the mirror file", writable: false)
        }
        var selection = ConfigSelection(
            source: options.configFile, environment: options.environment, overlay: options.overlay, settings: settings,
            variables: options.environmentVariables)
        selection.environmentIsExplicit = options.environmentIsExplicit
        let fetcher: SourceFetcher
        do {
            fetcher = try selection.fetcher(settings: settings.source)
        } catch {
            throw ServeSetupError(description: error.description)
        }
        let source = fetcher.source
        var plan = try RefreshPlan.resolve(options: options, settings: settings)

        let cache = (options.cacheFile ?? settings.source.cacheFile).map {
            ConfigCache(path: $0, environment: options.environment)
        }
        let synchronizer = ConfigSynchronizer(
            fetcher: fetcher,
            breaker: CircuitBreaker(
                failureThreshold: settings.refresh.failureThreshold, recoveryTimeout: settings.refresh.recoveryTimeout),
            cache: cache, staleThreshold: plan.staleThreshold)
        let runtime = ConfigRuntime(
            synchronizer: synchronizer, telemetry: telemetry, environment: options.environment, refreshMode: plan.mode,
            logger: logger)
        logger.info(
            "starting",
            metadata: [
                "source": "\(source)", "environment": "\(options.environment)", "refresh_mode": "\(plan.mode.rawValue)",
                "refresh_interval": .stringConvertible(plan.interval), "stale_threshold": .stringConvertible(plan.staleThreshold),
            ])
        // On the synchroniser's own queue: a blocking fetch never holds a thread of the cooperative pool.
        let first = await runtime.refresh(trigger: .startup)
        if !first.succeeded {
            if runtime.serveCache() == nil {
                logger.error(
                    "no config yet: not ready until the source answers with a valid config; retrying",
                    metadata: ["error": "\(first.errorDescription ?? "")"])
            }
        }
        if runtime.isLoaded { plan.watchFile = runtime.store.snapshot.settings.hotReloadEnabled }
        let mirror = MirrorEvaluator(
            store: runtime.store, evaluations: telemetry.evaluations, mirrorMetrics: telemetry.mirror,
            settings: settings.mirror)
        var services: [any Service] = [MirrorFlusher(mirror: mirror)]
        var synthetic = settings.synthetic
        if let enabled = options.syntheticEnabled { synthetic.enabled = enabled }
        if let rate = options.syntheticRate { synthetic.rate = rate }
        if synthetic.enabled {
            services.append(
                SyntheticDriver(
                    store: runtime.store, evaluations: telemetry.evaluations, settings: synthetic, shard: options.shard,
                    logger: logger))
        }
        if !settings.canaries.checks.isEmpty {
            services.append(
                CanaryDriver(
                    store: runtime.store, evaluations: telemetry.evaluations, results: telemetry.canaries,
                    settings: settings.canaries, logger: logger))
        }
        services.append(PeriodicRefresher(runtime: runtime, plan: plan))
        services.append(BreakerClock(runtime: runtime))
        if case .file(let path) = source, plan.watchFile {
            var paths = [path]
            if case .file(let overlay)? = try? fetcher.overlaySource() { paths.append(overlay) }
            services.append(FileWatchRefresher(runtime: runtime, paths: paths, plan: plan, logger: logger))
        }
        if plan.mode.subscribes {
            if let redisURL = plan.redisURL {
                do {
                    let endpoint = try RedisEndpoint(parsing: redisURL)
                    telemetry.pubSub.enable()
                    services.append(
                        RedisRefresher(
                            runtime: runtime, metrics: telemetry.pubSub, endpoint: endpoint, channel: plan.channel,
                            logger: logger))
                } catch {
                    throw ServeSetupError(description: error.description)
                }
            } else {
                logger.warning(
                    "refresh mode \(plan.mode.rawValue) listens on Redis, but no REDIS_URL or refresh.redis_url is set; pub/sub is off")
            }
        }
        if let mirrorFile = options.mirrorFile {
            services.append(MirrorFeed(path: mirrorFile, evaluator: mirror, logger: logger))
        }
        do {
            if let pushPlan = try PushPlan.resolve(
                options: options.push, settings: settings.push, variables: options.environmentVariables,
                defaultInstance: PushPlan.hostName())
            {
                services.append(PeriodicPusher(plan: pushPlan, telemetry: telemetry, mirror: mirror, logger: logger))
            }
        } catch {
            throw ServeSetupError(description: "push: \(error.description)")
        }

        let webConfig = try options.webConfigFile.map { path throws(ServeSetupError) in
            try WebConfigReloader(path: path, metrics: telemetry.http, logger: logger)
        }
        let access = OFREPAccess(
            apiKeys: try options.ofrepAPIKeyFile.map { path throws(ServeSetupError) in try APIKeyFile(path: path) },
            allowedOrigins: options.ofrepCORSOrigins)
        services.append(
            HangupReloader(runtime: runtime, files: AccessFiles(webConfig: webConfig, apiKeys: access.apiKeys, logger: logger), logger: logger))
        if let webConfig { services.append(WebConfigWatcher(reloader: webConfig, logger: logger)) }
        let router = Routes(
            runtime: runtime, telemetry: telemetry, mirror: mirror, options: options, access: access, webConfig: webConfig,
            logger: logger
        ).router(maximumBodyBytes: settings.mirror.maximumLineBytes)
        /// One HTTP server on `host:port`: every address serves the same router, limits and web config.
        func application(host: String, port: Int, services: [any Service], primary: Bool) -> some ApplicationProtocol {
            Application(
                router: router,
                server: HTTPServerBuilder { responder in
                    GuardedHTTPChannel(responder: responder, limits: options.limits, webConfig: webConfig, metrics: telemetry.http)
                },
                configuration: ApplicationConfiguration(
                    address: .hostname(host, port: port),
                    serverName: "featureflag_exporter/\(BuildInfo.version)"),
                services: services,
                onServerRunning: { channel in
                    let bound = channel.localAddress?.port ?? port
                    let tls = webConfig?.latest.tls != nil
                    logger.info(
                        "listening",
                        metadata: [
                            "address": "\(host):\(bound)", "tls": .stringConvertible(tls),
                            "basic_auth": .stringConvertible(!(webConfig?.latest.config.basicAuthUsers.isEmpty ?? true)),
                        ])
                    if primary { onListening(bound) }
                },
                logger: logger)
        }
        let primary = application(host: options.listenHost, port: options.listenPort, services: services, primary: true)
        if options.additionalListenAddresses.isEmpty {
            try await primary.runService()
        } else {
            // The drivers and refreshers run once, with the first server; the others only serve. One group, so
            // SIGTERM stops them all gracefully and a server that fails stops the rest.
            var servers: [any Service] = [primary]
            for address in options.additionalListenAddresses {
                servers.append(application(host: address.host, port: address.port, services: [], primary: false))
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: servers, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
        logger.info("stopped")
    }

    /// The default staleness threshold of docs/metrics.md: 300 s production, 600 s staging, 3600 s otherwise.
    public static func staleThreshold(for environment: String) -> Double {
        switch environment {
        case "production": 300
        case "staging": 600
        default: 3600
        }
    }
}

/// Hands mirrored counts to telemetry every second, and once more at shutdown. Scrapes never flush: a GET only reads.
struct MirrorFlusher: Service {
    let mirror: MirrorEvaluator

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                mirror.flush()
            }
        }
        mirror.flush()
    }
}

/// A `serve` setting that makes starting impossible (an unusable source, refresh mode or interval).
public struct ServeSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension RefreshPlan {
    /// Resolves the plan: command line, then environment variables, then `exporter.yaml`, then the defaults of
    /// ``RefreshMode/defaults(for:)`` and ``ExporterServer/staleThreshold(for:)``.
    public static func resolve(options: ServeOptions, settings: ExporterSettings) throws(ServeSetupError) -> RefreshPlan {
        let variables = options.environmentVariables
        let defaults = RefreshMode.defaults(for: options.environment)
        var mode = options.refreshMode
        if mode == nil, let text = variables["FEATURE_FLAG_REFRESH_MODE"], !text.isEmpty {
            guard let parsed = RefreshMode(rawValue: text.lowercased()) else {
                throw ServeSetupError(
                    description: "FEATURE_FLAG_REFRESH_MODE '\(text)' is not one of periodic, pubsub, both, none")
            }
            mode = parsed
        }
        var interval = options.refreshInterval
        if interval == nil, let text = variables["FEATURE_FLAG_REFRESH_INTERVAL"], !text.isEmpty {
            guard let seconds = Double(text), seconds.isFinite else {
                throw ServeSetupError(description: "FEATURE_FLAG_REFRESH_INTERVAL '\(text)' is not a number of seconds")
            }
            interval = seconds
        }
        let resolvedInterval = interval ?? settings.refresh.interval ?? defaults.interval
        guard resolvedInterval >= options.minimumRefreshInterval else {
            throw ServeSetupError(
                description: "refresh interval \(resolvedInterval) s is below the minimum of \(options.minimumRefreshInterval) s")
        }
        return RefreshPlan(
            mode: mode ?? settings.refresh.mode ?? defaults.mode, interval: resolvedInterval,
            jitter: settings.refresh.jitter,
            staleThreshold: options.staleThreshold ?? settings.refresh.staleThreshold
                ?? ExporterServer.staleThreshold(for: options.environment),
            redisURL: variables["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? settings.refresh.redisURL,
            channel: settings.refresh.channel, watchFile: true)
    }
}
