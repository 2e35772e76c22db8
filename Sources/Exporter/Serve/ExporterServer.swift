public import FlagConfig
import FlagEngine
import Hummingbird
public import Logging
import ServiceLifecycle
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
        telemetry.setStaleThreshold(seconds: staleThreshold(for: options.environment))
        let runtime = ConfigRuntime(configPath: options.configFile, environment: options.environment, telemetry: telemetry)
        switch runtime.reload() {
        case .applied(let loaded):
            logger.info(
                "config loaded",
                metadata: [
                    "file": "\(options.configFile)", "environment": "\(options.environment)",
                    "flags": "\(loaded.flagSet.count)", "version": "\(loaded.flagSet.info.version)",
                ])
            for warning in loaded.warnings { logger.warning("\(warning.description)") }
        case .unchanged:
            break
        case .rejected(let error):
            logger.error(
                "config rejected; not ready until a valid config is loaded (POST /-/reload with --web.enable-lifecycle)",
                metadata: ["error": "\(error.description)"])
        }

        let mirror = MirrorEvaluator(runtime: runtime, settings: settings.mirror)
        var services: [any Service] = [MirrorFlusher(mirror: mirror)]
        var synthetic = settings.synthetic
        if let enabled = options.syntheticEnabled { synthetic.enabled = enabled }
        if let rate = options.syntheticRate { synthetic.rate = rate }
        if synthetic.enabled {
            services.append(SyntheticDriver(runtime: runtime, settings: synthetic, shard: options.shard, logger: logger))
        }
        if !settings.canaries.checks.isEmpty {
            services.append(CanaryDriver(runtime: runtime, settings: settings.canaries, logger: logger))
        }
        if options.refreshInterval > 0 {
            services.append(FileRefresher(runtime: runtime, interval: options.refreshInterval, logger: logger))
        }
        if let mirrorFile = options.mirrorFile {
            services.append(MirrorFeed(path: mirrorFile, evaluator: mirror, logger: logger))
        }

        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(telemetry: telemetry, telemetryPath: options.telemetryPath))
        Routes(runtime: runtime, mirror: mirror, options: options, logger: logger).register(on: router)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(options.listenHost, port: options.listenPort),
                serverName: "featureflag_exporter/\(BuildInfo.version)"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.listenPort
                logger.info("listening", metadata: ["address": "\(options.listenHost):\(port)"])
                onListening(port)
            },
            logger: logger)
        try await application.runService()
        logger.info("stopped")
    }

    /// The staleness threshold of METRICS.md: 300 s production, 600 s staging, 3600 s otherwise.
    public static func staleThreshold(for environment: String) -> Double {
        switch environment {
        case "production": 300
        case "staging": 600
        default: 3600
        }
    }
}

/// Hands mirrored counts to telemetry every second (scrapes flush too).
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
