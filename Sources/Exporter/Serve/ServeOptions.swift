public import Settings
public import Logging
import FlagConfig

/// Everything `serve` is told on its command line.
public struct ServeOptions: Sendable {
    /// The default listen port: outside 9100-9999, which the Prometheus default port allocations fill.
    public static let defaultPort = 10100

    /// Paths the exporter serves itself, which `--web.telemetry-path` may not take (or lie under).
    public static let reservedPaths = ["/health", "/-", "/ofrep"]

    /// `--config.file`: a path, `http(s)://...` or `ssm://...`; `nil` takes `source.url` of the exporter config,
    /// then `config/feature_flags.yaml`.
    public var configFile: String?
    /// `config/exporter.yaml`; `nil` means the built-in defaults.
    public var exporterConfigFile: String?
    public var environment = "development"
    /// Whether `environment` was named (`--environment`, `ENVIRONMENT`): a named environment the config does not
    /// know is refused (``SourceFetcher/unknownEnvironmentError(_:sections:)``).
    public var environmentIsExplicit = false
    /// `--config.overlay`: `beside`, `none` or a source; `nil` takes `source.overlay` of the exporter config.
    public var overlay: String?
    public var listenHost = "0.0.0.0"
    public var listenPort = ServeOptions.defaultPort
    /// Further `--web.listen-address`es, each served like the first (same routes, limits, web config).
    public var additionalListenAddresses: [ListenAddress] = []

    /// One address to listen on.
    public struct ListenAddress: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }
    public var telemetryPath = "/metrics"
    public var enableLifecycle = false
    /// `--web.config.file`: TLS and basic auth in the exporter-toolkit format, read again for each connection.
    public var webConfigFile: String?
    /// `--ofrep.api-key-file`: the keys OFREP clients must present; `nil` asks for none.
    public var ofrepAPIKeyFile: String?
    /// `--ofrep.cors-origin`: browser origins allowed to call OFREP (`*` any); empty turns CORS off.
    public var ofrepCORSOrigins: [String] = []
    /// `--web.max-connections`, `--web.read-timeout`, `--web.idle-timeout`, `--web.max-header-bytes`.
    public var limits = HTTPLimits()
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .logfmt
    public var shard = PopulationShard.whole
    /// Overrides `synthetic.enabled` of the exporter settings when set.
    public var syntheticEnabled: Bool?
    /// Overrides `synthetic.rate` when set.
    public var syntheticRate: Double?
    public var mirrorFile: String?
    public var maximumFlagSeries = 2000
    /// `--refresh.mode`; `nil` takes FEATURE_FLAG_REFRESH_MODE, `refresh.mode`, then the environment's default.
    public var refreshMode: RefreshMode?
    /// `--refresh.interval` in seconds; `nil` takes FEATURE_FLAG_REFRESH_INTERVAL, `refresh.interval`, then the
    /// environment's default.
    public var refreshInterval: Double?
    /// The shortest interval accepted (10 s; tests lower it).
    public var minimumRefreshInterval = 10.0
    /// `--config.stale-threshold` in seconds.
    public var staleThreshold: Double?
    /// `--config.cache-file`.
    public var cacheFile: String?
    /// `--push.*`: pushing to a Pushgateway as well as serving `/metrics`.
    public var push = PushOptions()
    /// The process environment (REDIS_URL, FEATURE_FLAG_REFRESH_*, AWS_*, header secrets).
    public var environmentVariables: [String: String] = [:]

    public init() {}

    /// Parses `host:port`, `:port` or `[v6]:port`, as `--web.listen-address` takes it.
    public static func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), port >= 0, port <= 65_535 else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
