public import FlagConfig
public import FlagEngine
public import Secrets

/// How the config is kept fresh: `refresh.mode` of `exporter.yaml`, `--refresh.mode`, FEATURE_FLAG_REFRESH_MODE.
public enum RefreshMode: String, Sendable, Hashable, CaseIterable {
    /// Check the source every interval.
    case periodic
    /// Check when a message arrives on the Redis channel.
    case pubsub
    /// Both of the above.
    case both
    /// Neither (a local file is still watched, and `POST /-/reload` still works).
    case none

    /// The seed system's defaults: production both every 60 s, staging periodic every 120 s, otherwise none.
    public static func defaults(for environment: String) -> (mode: RefreshMode, interval: Double) {
        switch environment {
        case "production": (.both, 60)
        case "staging": (.periodic, 120)
        default: (.none, 60)
        }
    }

    /// Whether this mode polls the source.
    public var polls: Bool { self == .periodic || self == .both }
    /// Whether this mode listens on Redis.
    public var subscribes: Bool { self == .pubsub || self == .both }
}

extension ExporterSettings {
    /// Where the flags come from, when not a plain path on the command line: `source:` of `exporter.yaml`.
    public struct Source: Sendable, Hashable {
        /// A path, `http(s)://...` or `ssm://<parameter>?region=R`; `--config.file` overrides it.
        public var url: String?
        /// Seconds a fetch may take in all.
        public var timeout = 10.0
        /// A PEM bundle to verify an https source with, instead of the system's.
        public var caFile: String?
        /// Extra request headers (for example credentials) for an http(s) source.
        public var headers: [Header] = []
        /// Where the last good config is written; `--config.cache-file` overrides it.
        public var cacheFile: String?
        /// Where the active environment's overlay comes from; `--config.overlay` overrides it.
        public var overlay: Overlay = .beside
        /// Whether a config with no flags at all may be applied. Off: a store answering `null`, `{}` or an emptied
        /// file would otherwise wipe every flag while /health stays green.
        public var allowEmpty = false
        /// The largest share (0...1) of the flags in use that one new config may drop; a config dropping more is
        /// refused, and the one in use stays. 1 allows any loss.
        public var maximumFlagLoss = 0.5
        /// The flags' format; `nil` detects it from each fetched text (``FlagFileFormat/detect(_:file:)``).
        /// `--config.format` overrides it.
        public var format: FlagFileFormat?

        public init() {}
    }

    /// Where the active environment's overlay comes from (`source.overlay`, `--config.overlay`).
    public enum Overlay: Sendable, Hashable, CustomStringConvertible {
        /// `<stem>_<environment><suffix>` beside the base, whatever the source: a file, a URL's path, an SSM
        /// parameter name. When there is none, the environment must be declared in the base's `environments:`.
        case beside
        /// None, on purpose: the environment takes the base and its `environments:` section only.
        case none
        /// This source (a path, `http(s)://` or `ssm://`); it must exist.
        case source(String)

        /// `beside`, `none`, or a source.
        public init(parsing text: String) {
            switch text {
            case "beside", "": self = .beside
            case "none": self = .none
            default: self = .source(text)
            }
        }

        public var description: String {
            switch self {
            case .beside: "beside"
            case .none: "none"
            case .source(let text): text
            }
        }
    }

    /// One request header; its value is read when each request is made, so a rotated secret is picked up.
    public typealias Header = SecretHeader


    /// `refresh:` of `exporter.yaml`. Unset fields take the command line, then the environment variables, then the
    /// per-environment defaults of ``RefreshMode/defaults(for:)``.
    public struct Refresh: Sendable, Hashable {
        public var mode: RefreshMode?
        /// Seconds between periodic checks.
        public var interval: Double?
        /// Each wait is the interval plus or minus this fraction of it, so replicas do not poll in lockstep.
        public var jitter = 0.1
        /// Seconds after the last successful check at which the config counts as stale.
        public var staleThreshold: Double?
        /// `redis://[:password@]host[:port][/db]`; REDIS_URL when unset.
        public var redisURL: String?
        /// The channel whose messages trigger a check.
        public var channel = "feature_flags:config-changed"
        /// Consecutive failed fetches that open the circuit breaker.
        public var failureThreshold = 3
        /// Seconds the breaker stays open before one trial fetch is let through.
        public var recoveryTimeout = 30.0

        public init() {}
    }
}

extension ExporterSettingsDecoder {
    mutating func source(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Source {
        var source = ExporterSettings.Source()
        guard let members = base.members(node, path, SourceKey.self) else { return source }
        for member in members {
            let here = member.path
            switch member.key {
            case .url: source.url = base.name(member.value, here)
            case .format:
                guard let text = base.name(member.value, here) else { continue }
                if text == "auto" { source.format = nil; continue }
                guard let format = FlagFileFormat(rawValue: text) else {
                    base.error(member.value, here, "'\(text)' is not a format: auto, seed, flagd or unleash")
                    continue
                }
                source.format = format
            case .timeout:
                if let seconds = positiveSeconds(member.value, here, maximum: 300) { source.timeout = seconds }
            case .caFile: source.caFile = base.name(member.value, here)
            case .cacheFile: source.cacheFile = base.name(member.value, here)
            case .overlay: if let text = base.name(member.value, here) { source.overlay = ExporterSettings.Overlay(parsing: text) }
            case .allowEmpty: source.allowEmpty = base.bool(member.value, here) ?? source.allowEmpty
            case .maxFlagLoss:
                source.maximumFlagLoss = base.number(
                    member.value, here, where: { (0...1).contains($0) },
                    else: "must be a share between 0 and 1 (0.5 refuses a config that drops over half the flags)")
                    ?? source.maximumFlagLoss
            case .headers:
                guard case .sequence(let items) = member.value.content else {
                    base.error(member.value, here, "expected a list of {name, value | value_from_env | value_from_file}")
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let header = header(item, here + [.index(index)]) { source.headers.append(header) }
                }
            }
        }
        return source
    }

    mutating func header(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Header? {
        guard let members = base.members(node, path, HeaderKey.self) else { return nil }
        var name: String?
        var values: [SecretValue] = []
        for member in members {
            let here = member.path
            switch member.key {
            case .name:
                name = base.name(member.value, here)
                if let text = name, text.isEmpty || !text.utf8.allSatisfy(Self.isHeaderNameByte) {
                    base.error(member.value, here, "'\(text)' is not a valid header name")
                }
            case .value:
                if let text = base.name(member.value, here) {
                    if text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                        base.error(member.value, here, "a header value cannot contain CR, LF or NUL (it would split the request)")
                    } else {
                        values.append(.literal(text))
                    }
                }
            case .valueFromEnv: if let text = base.name(member.value, here) { values.append(.environmentVariable(text)) }
            case .valueFromFile: if let text = base.name(member.value, here) { values.append(.file(text)) }
            }
        }
        guard let name else {
            base.error(node, path, "a header needs a name")
            return nil
        }
        guard values.count == 1 else {
            base.error(node, path, "a header needs exactly one of value, value_from_env, value_from_file")
            return nil
        }
        return ExporterSettings.Header(name: name, value: values[0])
    }

    static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
            || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    mutating func refresh(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Refresh {
        var refresh = ExporterSettings.Refresh()
        guard let members = base.members(node, path, RefreshKey.self) else { return refresh }
        for member in members {
            let here = member.path
            switch member.key {
            case .mode:
                if let text = base.name(member.value, here) {
                    if let mode = RefreshMode(rawValue: text) {
                        refresh.mode = mode
                    } else {
                        base.error(member.value, here, "mode must be one of periodic, pubsub, both, none; found '\(text)'")
                    }
                }
            case .interval:
                if let seconds = positiveSeconds(member.value, here, maximum: 86_400) {
                    if seconds >= 10 {
                        refresh.interval = seconds
                    } else {
                        base.error(member.value, here, "interval must be at least 10 seconds")
                    }
                }
            case .jitter:
                refresh.jitter = base.number(
                    member.value, here, where: { (0...0.5).contains($0) },
                    else: "jitter must be between 0 and 0.5 (a fraction of the interval)") ?? refresh.jitter
            case .staleThreshold:
                if let seconds = positiveSeconds(member.value, here, maximum: 30 * 86_400) { refresh.staleThreshold = seconds }
            case .redisUrl:
                if let url = base.name(member.value, here) {
                    if url.hasPrefix("redis://") {
                        refresh.redisURL = url
                    } else {
                        base.error(member.value, here, "redis_url must start with redis://")
                    }
                }
            case .channel:
                if let channel = base.name(member.value, here) {
                    if channel.isEmpty { base.error(member.value, here, "channel must not be empty") } else { refresh.channel = channel }
                }
            case .circuitBreaker:
                guard let breaker = base.members(member.value, here, CircuitBreakerKey.self) else { continue }
                for entry in breaker {
                    let entryPath = entry.path
                    switch entry.key {
                    case .failureThreshold:
                        refresh.failureThreshold = base.integer(
                            entry.value, entryPath, in: 1...1000, else: "failure_threshold must be between 1 and 1000")
                            ?? refresh.failureThreshold
                    case .recoveryTimeout:
                        if let seconds = positiveSeconds(entry.value, entryPath, maximum: 86_400) {
                            refresh.recoveryTimeout = seconds
                        }
                    }
                }
            }
        }
        return refresh
    }

    mutating func positiveSeconds(_ node: YAMLNode, _ path: [ConfigPathComponent], maximum: Double) -> Double? {
        base.number(node, path, where: { $0 > 0 && $0 <= maximum }, else: "must be more than 0 and at most \(Int(maximum)) seconds")
    }
}

extension ExporterSettingsDecoder {
    /// The keys of `source`, declared once.
    enum SourceKey: String, CaseIterable {
        case url
        case format
        case timeout
        case caFile = "ca_file"
        case headers
        case cacheFile = "cache_file"
        case overlay
        case allowEmpty = "allow_empty"
        case maxFlagLoss = "max_flag_loss"
    }

    /// The keys of a header (source.headers, push.headers), declared once.
    enum HeaderKey: String, CaseIterable {
        case name
        case value
        case valueFromEnv = "value_from_env"
        case valueFromFile = "value_from_file"
    }

    /// The keys of `refresh`, declared once.
    enum RefreshKey: String, CaseIterable {
        case mode
        case interval
        case jitter
        case staleThreshold = "stale_threshold"
        case redisUrl = "redis_url"
        case channel
        case circuitBreaker = "circuit_breaker"
    }

    /// The keys of `refresh.circuit_breaker`, declared once.
    enum CircuitBreakerKey: String, CaseIterable {
        case failureThreshold = "failure_threshold"
        case recoveryTimeout = "recovery_timeout"
    }
}
