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
        guard let pairs = base.mapping(node, path) else { return push }
        base.warnUnknownKeys(
            node,
            [
                "url", "job", "grouping", "method", "interval", "timeout", "connect_timeout", "retries", "ca_file", "gzip",
                "basic_auth", "bearer_token_file", "bearer_token_from_env", "headers", "delete_on_shutdown",
            ], path)
        var bearerTokens: [SecretValue] = []
        for pair in pairs {
            let here = path + [.key(pair.key)]
            switch pair.key {
            case "url":
                if let url = base.name(pair.value, here) {
                    if url.hasPrefix("http://") || url.hasPrefix("https://") {
                        push.url = url
                    } else {
                        base.error(pair.value, here, "url must start with http:// or https://")
                    }
                }
            case "job":
                if let job = base.name(pair.value, here) {
                    if job.isEmpty { base.error(pair.value, here, "job must not be empty") } else { push.job = job }
                }
            case "grouping":
                guard let labels = base.mapping(pair.value, here) else { continue }
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
            case "method":
                if let method = base.name(pair.value, here) {
                    if method == "put" || method == "post" {
                        push.method = method
                    } else {
                        base.error(pair.value, here, "method must be put or post, found '\(method)'")
                    }
                }
            case "interval":
                if let seconds = positiveSeconds(pair.value, here, maximum: 86_400) {
                    if seconds >= 1 { push.interval = seconds } else { base.error(pair.value, here, "interval must be at least 1 second") }
                }
            case "timeout": if let seconds = positiveSeconds(pair.value, here, maximum: 300) { push.timeout = seconds }
            case "connect_timeout":
                if let seconds = positiveSeconds(pair.value, here, maximum: 300) { push.connectTimeout = seconds }
            case "retries":
                if let count = base.integer(pair.value, here) {
                    if count >= 0 && count <= 10 { push.retries = count } else { base.error(pair.value, here, "retries must be between 0 and 10") }
                }
            case "ca_file": push.caFile = base.name(pair.value, here)
            case "gzip": push.gzip = base.bool(pair.value, here) ?? push.gzip
            case "delete_on_shutdown": push.deleteOnShutdown = base.bool(pair.value, here) ?? push.deleteOnShutdown
            case "basic_auth": push.basicAuth = basicAuth(pair.value, here)
            case "bearer_token_file": if let file = base.name(pair.value, here) { bearerTokens.append(.file(file)) }
            case "bearer_token_from_env":
                if let name = base.name(pair.value, here) { bearerTokens.append(.environmentVariable(name)) }
            case "headers":
                guard case .sequence(let items) = pair.value.content else {
                    base.error(pair.value, here, "expected a list of {name, value | value_from_env | value_from_file}")
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let header = header(item, here + [.index(index)]) { push.headers.append(header) }
                }
            default: break
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
        guard let pairs = base.mapping(node, path) else { return nil }
        base.warnUnknownKeys(node, ["username", "password", "password_file", "password_from_env"], path)
        var username: String?
        var passwords: [SecretValue] = []
        for pair in pairs {
            let here = path + [.key(pair.key)]
            switch pair.key {
            case "username": username = base.name(pair.value, here)
            case "password": if let text = base.name(pair.value, here) { passwords.append(.literal(text)) }
            case "password_file": if let text = base.name(pair.value, here) { passwords.append(.file(text)) }
            case "password_from_env": if let text = base.name(pair.value, here) { passwords.append(.environmentVariable(text)) }
            default: break
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
