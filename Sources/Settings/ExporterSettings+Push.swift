import FlagConfig
import FlagEngine
public import Secrets

extension ExporterSettings {
    /// `push:` of `exporter.yaml`: pushing to a Prometheus Pushgateway, from `serve` (every ``interval``) and from
    /// the `push` command. Command-line flags override each field.
    public struct Push: Sendable, Hashable {
        /// The gateway's base URL; `serve` pushes only when this (or `--push.gateway-url`) is set.
        public var url: String?
        public var job = "featureflag_exporter"
        /// Grouping labels after `job`, in file order. `serve` adds `instance=<hostname>` when this has no `instance`.
        public var grouping: [GroupingLabel] = []
        /// `put` replaces the whole group; `post` only the families pushed.
        public var method = "put"
        /// Seconds between pushes from `serve`.
        public var interval = 30.0
        /// Seconds one attempt may take, and may take to connect.
        public var timeout = 10.0
        public var connectTimeout = 5.0
        /// Tries after a failed first one (connection errors, timeouts, 5xx; never 4xx).
        public var retries = 3
        public var caFile: String?
        public var gzip = false
        public var basicAuth: BasicAuth?
        public var bearerToken: SecretValue?
        public var headers: [Header] = []
        /// `serve` deletes its group when it stops, so a retired exporter leaves no group behind.
        public var deleteOnShutdown = false

        public init() {}
    }

    /// One grouping label of ``Push/grouping``.
    public struct GroupingLabel: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// HTTP basic auth; the password comes from a literal, a file or an environment variable.
    public struct BasicAuth: Sendable, Hashable {
        public var username: String
        public var password: SecretValue

        public init(username: String, password: SecretValue) {
            self.username = username
            self.password = password
        }
    }
}

extension ExporterSettingsDecoder {
    mutating func push(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Push {
        var push = ExporterSettings.Push()
        guard let members = base.members(node, path, PushKey.self) else { return push }
        var bearerTokens: [SecretValue] = []
        for member in members {
            let here = member.path
            switch member.key {
            case .url:
                if let url = base.name(member.value, here) {
                    if url.hasPrefix("http://") || url.hasPrefix("https://") {
                        push.url = url
                    } else {
                        base.error(member.value, here, "url must start with http:// or https://")
                    }
                }
            case .job:
                if let job = base.name(member.value, here) {
                    if job.isEmpty { base.error(member.value, here, "job must not be empty") } else { push.job = job }
                }
            case .grouping:
                guard let labels = base.mapping(member.value, here) else { continue }
                for label in labels {
                    let labelPath = here + [.key(label.key)]
                    guard Self.isLabelName(label.key), !label.key.hasPrefix("__"), label.key != "job" else {
                        base.error(
                            at: label.keyLocation, labelPath,
                            "'\(label.key)' cannot be a grouping label: use [a-zA-Z_][a-zA-Z0-9_]*, not job, not __*")
                        continue
                    }
                    if let value = base.name(label.value, labelPath) { push.grouping.append(.init(name: label.key, value: value)) }
                }
            case .method:
                if let method = base.name(member.value, here) {
                    if method == "put" || method == "post" {
                        push.method = method
                    } else {
                        base.error(member.value, here, "method must be put or post, found '\(method)'")
                    }
                }
            case .interval:
                if let seconds = positiveSeconds(member.value, here, maximum: 86_400) {
                    if seconds >= 1 { push.interval = seconds } else { base.error(member.value, here, "interval must be at least 1 second") }
                }
            case .timeout: if let seconds = positiveSeconds(member.value, here, maximum: 300) { push.timeout = seconds }
            case .connectTimeout:
                if let seconds = positiveSeconds(member.value, here, maximum: 300) { push.connectTimeout = seconds }
            case .retries:
                push.retries = base.integer(member.value, here, in: 0...10, else: "retries must be between 0 and 10") ?? push.retries
            case .caFile: push.caFile = base.name(member.value, here)
            case .gzip: push.gzip = base.bool(member.value, here) ?? push.gzip
            case .deleteOnShutdown: push.deleteOnShutdown = base.bool(member.value, here) ?? push.deleteOnShutdown
            case .basicAuth: push.basicAuth = basicAuth(member.value, here)
            case .bearerTokenFile: if let file = base.name(member.value, here) { bearerTokens.append(.file(file)) }
            case .bearerTokenFromEnv:
                if let name = base.name(member.value, here) { bearerTokens.append(.environmentVariable(name)) }
            case .headers:
                guard case .sequence(let items) = member.value.content else {
                    base.error(member.value, here, "expected a list of {name, value | value_from_env | value_from_file}")
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let header = header(item, here + [.index(index)]) { push.headers.append(header) }
                }
            }
        }
        if bearerTokens.count > 1 { base.error(node, path, "set one of bearer_token_file and bearer_token_from_env") }
        push.bearerToken = bearerTokens.first
        if push.basicAuth != nil && push.bearerToken != nil {
            base.error(node, path, "set basic_auth or a bearer token, not both")
        }
        return push
    }

    private mutating func basicAuth(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.BasicAuth? {
        guard let members = base.members(node, path, BasicAuthKey.self) else { return nil }
        var username: String?
        var passwords: [SecretValue] = []
        for member in members {
            let here = member.path
            switch member.key {
            case .username: username = base.name(member.value, here)
            case .password: if let text = base.name(member.value, here) { passwords.append(.literal(text)) }
            case .passwordFile: if let text = base.name(member.value, here) { passwords.append(.file(text)) }
            case .passwordFromEnv: if let text = base.name(member.value, here) { passwords.append(.environmentVariable(text)) }
            }
        }
        guard let username, !username.isEmpty else {
            base.error(node, path, "basic_auth needs a username")
            return nil
        }
        guard passwords.count == 1 else {
            base.error(node, path, "basic_auth needs exactly one of password, password_file, password_from_env")
            return nil
        }
        return ExporterSettings.BasicAuth(username: username, password: passwords[0])
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 48 && $0 <= 57) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) }
}

extension ExporterSettingsDecoder {
    /// The keys of `push`, declared once.
    enum PushKey: String, CaseIterable {
        case url
        case job
        case grouping
        case method
        case interval
        case timeout
        case connectTimeout = "connect_timeout"
        case retries
        case caFile = "ca_file"
        case gzip
        case basicAuth = "basic_auth"
        case bearerTokenFile = "bearer_token_file"
        case bearerTokenFromEnv = "bearer_token_from_env"
        case headers
        case deleteOnShutdown = "delete_on_shutdown"
    }

    /// The keys of `push.basic_auth`, declared once.
    enum BasicAuthKey: String, CaseIterable {
        case username
        case password
        case passwordFile = "password_file"
        case passwordFromEnv = "password_from_env"
    }
}
