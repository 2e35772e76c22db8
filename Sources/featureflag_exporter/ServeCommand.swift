import Settings
import ArgumentParser
import Exporter
import FlagConfig
import Logging

/// `serve` (the default): the Prometheus exporter.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve /metrics, /health and OFREP, with synthetic, canary and mirrored evaluations.",
        discussion: """
            The default subcommand. Stops gracefully on SIGTERM or SIGINT. The default port \
            \(ServeOptions.defaultPort) lies outside 9100-9999, the range of Prometheus's default port allocations.
            """
    )

    @OptionGroup var config: ConfigOptions

    @Option(name: .customLong("config.cache-file"), help: "Where the last good config is kept, for restarts while the source is down.")
    var cacheFile: String?

    @Option(name: .customLong("config.stale-threshold"), help: "Seconds after the last successful check at which the config is stale (default 300 production, 600 staging, 3600 otherwise).")
    var staleThreshold: Double?

    @Option(
        name: .customLong("web.listen-address"),
        help: "Address to listen on, host:port or :port; repeat it to listen on several (default :\(ServeOptions.defaultPort)).",
        transform: ServeOptions.ListenAddress.init(option:))
    var listenAddresses: [ServeOptions.ListenAddress] = []

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable POST /-/reload.")
    var enableLifecycle = false

    @Option(
        name: .customLong("web.config.file"),
        help: "TLS and basic auth, in the Prometheus exporter-toolkit format; read again for each new connection.")
    var webConfigFile: String?

    @Option(name: .customLong("web.max-connections"), help: "Connections open at once; more are answered 503 and closed.")
    var maximumConnections = HTTPLimits().maximumConnections

    @Option(name: .customLong("web.read-timeout"), help: "Seconds to read a whole request, from its first byte (slowloris).")
    var readTimeout = HTTPLimits().readTimeout

    @Option(name: .customLong("web.idle-timeout"), help: "Seconds a keep-alive connection may wait for its next request.")
    var idleTimeout = HTTPLimits().idleTimeout

    @Option(name: .customLong("web.max-header-bytes"), help: "Bytes of the request line and header fields together, per request; more is answered 431 (at most 81920).")
    var maximumHeaderBytes = HTTPLimits().maximumHeaderBytes

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.", transform: Logger.Level.init(option:))
    var logLevel = Logger.Level.info

    @Option(name: .customLong("log.format"), help: "logfmt or json.", transform: LogFormat.init(option:))
    var logFormat = LogFormat.logfmt

    @Option(name: .customLong("synthetic.shard"), help: "i/n: evaluate the members m with m % n == i of the population; auto/n takes i from the pod's ordinal ($POD_NAME, else the host name), as a StatefulSet names its pods.")
    var shard = "0/1"

    @Option(name: .customLong("synthetic.rate"), help: "Contexts per second (overrides synthetic.rate of the exporter config).")
    var syntheticRate: Double?

    @Flag(name: .customLong("no-synthetic"), help: "Run no synthetic evaluations.")
    var noSynthetic = false

    @Option(name: .customLong("mirror.file"), help: "A JSON-lines file of real decisions to tail and compare.")
    var mirrorFile: String?

    @Option(name: .customLong("metrics.max-flags"), help: "Flags with their own series; later ones fold into __other__.")
    var maximumFlagSeries = 2000

    @Option(
        name: .customLong("refresh.mode"),
        help: "periodic, pubsub, both or none (default: $FEATURE_FLAG_REFRESH_MODE, refresh.mode, else by environment).",
        transform: RefreshMode.init(option:))
    var refreshMode: RefreshMode?

    @Option(name: .customLong("refresh.interval"), help: "Seconds between periodic checks, at least 10 (default: $FEATURE_FLAG_REFRESH_INTERVAL, refresh.interval, else by environment).")
    var refreshInterval: Double?

    @Option(name: .customLong("push.gateway-url"), help: "Also push the metrics to this Pushgateway, http(s)://host:port (default: push.url of the exporter config).")
    var pushGatewayURL: String?

    @Option(name: .customLong("push.interval"), help: "Seconds between pushes, at least 1 (default: push.interval, else 30).")
    var pushInterval: Double?

    @Option(name: .customLong("push.job"), help: "The job label of the pushed group (default: push.job, else featureflag_exporter).")
    var pushJob: String?

    @Option(name: .customLong("push.grouping"), help: "A grouping label name=value (repeatable; default adds instance=<hostname>).")
    var pushGrouping: [String] = []

    @Flag(name: .customLong("push.delete-on-shutdown"), help: "Delete the pushed group when the exporter stops.")
    var pushDeleteOnShutdown = false

    @Option(name: .customLong("ofrep.api-key-file"), help: "OFREP clients must present one of this file's keys (one per line) as X-API-Key or Authorization: Bearer; read again on SIGHUP and /-/reload.")
    var ofrepAPIKeyFile: String?

    @Option(name: .customLong("ofrep.cors-origin"), help: "A browser origin allowed to call OFREP, e.g. https://app.example.com, or * (repeatable; CORS is off by default).")
    var ofrepCORSOrigins: [String] = []

    @Option(name: .customLong("refresh.minimum-interval"), help: .hidden)
    var minimumRefreshInterval = 10.0

    func validate() throws {
        if Set(listenAddresses).count != listenAddresses.count {
            throw ValidationError("--web.listen-address names the same address twice")
        }
        guard PopulationShard(parsing: shard) != nil || PopulationShard.autoCount(parsing: shard) != nil else {
            throw ValidationError("--synthetic.shard '\(shard)' is not i/n with 0 <= i < n, or auto/n")
        }
        guard telemetryPath.hasPrefix("/"), telemetryPath.count > 1 else {
            throw ValidationError("--web.telemetry-path must start with / and name a path")
        }
        if let taken = ServeOptions.reservedPaths.first(where: { telemetryPath == $0 || telemetryPath.hasPrefix($0 + "/") }) {
            throw ValidationError("--web.telemetry-path \(telemetryPath) collides with the exporter's own \(taken); choose another, such as /metrics")
        }
        guard maximumFlagSeries >= 1 else { throw ValidationError("--metrics.max-flags must be at least 1") }
        if let refreshInterval, !(refreshInterval >= minimumRefreshInterval) {
            throw ValidationError("--refresh.interval must be at least \(Int(minimumRefreshInterval)) seconds")
        }
        if let staleThreshold, !(staleThreshold > 0) { throw ValidationError("--config.stale-threshold must be positive") }
        if let syntheticRate, !(syntheticRate > 0) { throw ValidationError("--synthetic.rate must be positive") }
        if let pushInterval, !(pushInterval >= 1) { throw ValidationError("--push.interval must be at least 1 second") }
        for origin in ofrepCORSOrigins where origin != "*" {
            guard origin.hasPrefix("http://") || origin.hasPrefix("https://"), !origin.dropFirst(8).contains("/") else {
                throw ValidationError("--ofrep.cors-origin '\(origin)' is not an origin such as https://app.example.com, or *")
            }
        }
        guard maximumConnections >= 1 else { throw ValidationError("--web.max-connections must be at least 1") }
        guard readTimeout > 0, readTimeout <= 3600 else { throw ValidationError("--web.read-timeout must be between 0 and 3600 seconds") }
        guard idleTimeout > 0, idleTimeout <= 86_400 else { throw ValidationError("--web.idle-timeout must be between 0 and 86400 seconds") }
        guard (1024...81_920).contains(maximumHeaderBytes) else {
            throw ValidationError("--web.max-header-bytes must be between 1024 and 81920 (80 KiB, the HTTP parser's default)")
        }
    }

    func run() async throws {
        var options = ServeOptions()
        options.environmentVariables = ProcessEnvironment.variables()
        let settings = try config.settings()
        let selection = config.selection(settings: settings)
        options.configFile = config.configFile
        options.environment = selection.environment
        options.environmentIsExplicit = selection.environmentIsExplicit
        options.overlay = config.overlay
        let addresses = listenAddresses.isEmpty
            ? [ServeOptions.ListenAddress(host: "0.0.0.0", port: ServeOptions.defaultPort)] : listenAddresses
        options.listenHost = addresses[0].host
        options.listenPort = addresses[0].port
        options.additionalListenAddresses = Array(addresses.dropFirst())
        options.telemetryPath = telemetryPath
        options.enableLifecycle = enableLifecycle
        options.webConfigFile = webConfigFile
        options.ofrepAPIKeyFile = ofrepAPIKeyFile
        options.ofrepCORSOrigins = ofrepCORSOrigins
        options.limits.maximumConnections = maximumConnections
        options.limits.readTimeout = readTimeout
        options.limits.idleTimeout = idleTimeout
        options.limits.maximumHeaderBytes = maximumHeaderBytes
        options.logLevel = logLevel
        options.logFormat = logFormat
        switch PopulationShard.resolve(shard, podName: options.environmentVariables["POD_NAME"] ?? PushPlan.hostName()) {
        case .success(let resolved): options.shard = resolved
        case .failure(let error):
            printToStandardError("featureflag_exporter serve: \(error.description)")
            throw ExitCode(1)
        }
        options.syntheticRate = syntheticRate
        if noSynthetic { options.syntheticEnabled = false }
        options.mirrorFile = mirrorFile
        options.maximumFlagSeries = maximumFlagSeries
        options.refreshMode = refreshMode
        options.refreshInterval = refreshInterval
        options.minimumRefreshInterval = minimumRefreshInterval
        options.staleThreshold = staleThreshold
        options.cacheFile = cacheFile
        options.push.gatewayURL = pushGatewayURL
        options.push.interval = pushInterval
        options.push.job = pushJob
        options.push.grouping = pushGrouping
        if pushDeleteOnShutdown { options.push.deleteOnShutdown = true }

        let format = options.logFormat
        let level = options.logLevel
        LoggingSystem.bootstrap { label in ExporterLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "featureflag_exporter")

        options.exporterConfigFile = config.exporterConfigPath
        do {
            try await ExporterServer.run(options: options, settings: settings, logger: logger)
        } catch let error as ServeSetupError {
            printToStandardError("featureflag_exporter: \(error.description)")
            throw ExitCode(1)
        }
    }
}

extension Logger.Level {
    /// `--log.level` values, with Prometheus's `warn` for swift-log's `warning`.
    init(option text: String) throws {
        switch text {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warning
        case "error": self = .error
        default: throw ValidationError("'\(text)' is not one of debug, info, warn, error")
        }
    }
}

extension LogFormat {
    /// `--log.format` values.
    init(option text: String) throws {
        guard let format = LogFormat(rawValue: text) else { throw ValidationError("'\(text)' is not logfmt or json") }
        self = format
    }
}

extension RefreshMode {
    /// `--refresh.mode` values.
    init(option text: String) throws {
        guard let mode = RefreshMode(rawValue: text) else {
            throw ValidationError("'\(text)' is not one of periodic, pubsub, both, none")
        }
        self = mode
    }
}

extension ServeOptions.ListenAddress {
    /// `--web.listen-address` values: host:port, :port, [v6]:port.
    init(option text: String) throws {
        guard let (host, port) = ServeOptions.parseListenAddress(text) else { throw ValidationError("'\(text)' is not host:port") }
        self.init(host: host, port: port)
    }
}
