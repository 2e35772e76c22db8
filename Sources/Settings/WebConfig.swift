public import FlagConfig
import FlagEngine

/// The `--web.config.file` of the Prometheus exporter-toolkit: TLS and basic auth for every HTTP route.
///
/// The same YAML that node_exporter and blackbox_exporter take. Unknown fields are errors, as in exporter-toolkit,
/// and so are its fields this exporter does not implement (named as such), so a setting is never silently ignored.
/// Relative paths are relative to the web config file's directory.
public struct WebConfig: Sendable, Hashable {
    /// `tls_server_config`; `nil` serves plain HTTP.
    public var tls: TLSServer?
    /// `basic_auth_users`: user name to bcrypt hash. Empty means no authentication.
    public var basicAuthUsers: [String: String] = [:]

    public init() {}

    /// `tls_server_config`.
    public struct TLSServer: Sendable, Hashable {
        public var certificateFile: String
        public var keyFile: String
        public var clientCAFile: String?
        public var clientAuth = ClientAuth.noClientCert
        public var minimumVersion = Version.tls12
        public var maximumVersion: Version?

        public init(certificateFile: String, keyFile: String) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// `client_auth_type`, named as Go's crypto/tls names them.
    public enum ClientAuth: String, Sendable, Hashable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        /// Whether presented certificates are checked against `client_ca_file`.
        public var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
    }

    /// `min_version` and `max_version`.
    public enum Version: String, Sendable, Hashable, CaseIterable {
        case tls10 = "TLS10"
        case tls11 = "TLS11"
        case tls12 = "TLS12"
        case tls13 = "TLS13"
    }

    /// Reads and validates a web config file.
    public static func load(path: String) throws(FlagConfigError) -> WebConfig {
        try load(try FlagConfigLoader.readFile(path), directory: directory(of: path))
    }

    /// The directory relative paths in the file at `path` are resolved against.
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Validates web config text; relative file paths in it are resolved against `directory`.
    public static func load(_ text: ConfigText, directory: String) throws(FlagConfigError) -> WebConfig {
        var sources = SourceTexts()
        sources.add(text.text, for: text.name)
        guard let root = try YAMLReader.read(text.text, file: text.name) else { return WebConfig() }
        var decoder = WebConfigDecoder(base: LocatedYAMLReader(sources: sources), directory: directory)
        let config = decoder.decode(root)
        let diagnostics = decoder.base.diagnostics
        if diagnostics.contains(where: { $0.severity == .error }) { throw FlagConfigError(diagnostics: diagnostics) }
        return config
    }
}

/// Decodes the exporter-toolkit web config with the flags file's typed readers and diagnostics.
struct WebConfigDecoder {
    var base: LocatedYAMLReader
    let directory: String

    /// The top-level keys, declared once: what the decoder handles is what an unknown key's error lists.
    enum TopLevelKey: String, CaseIterable {
        case basicAuthUsers = "basic_auth_users"
        case tlsServerConfig = "tls_server_config"

        static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// The keys of `tls_server_config`, declared once.
    enum TLSKey: String, CaseIterable {
        case certFile = "cert_file"
        case keyFile = "key_file"
        case clientCAFile = "client_ca_file"
        case clientAuthType = "client_auth_type"
        case minVersion = "min_version"
        case maxVersion = "max_version"

        static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// exporter-toolkit fields this exporter does not implement: refused by name rather than as unknown.
    static let unsupportedTLSKeys = [
        "cert", "key", "client_ca", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
        "client_allowed_sans",
    ]

    mutating func decode(_ root: YAMLNode) -> WebConfig {
        var config = WebConfig()
        guard let pairs = base.mapping(root, []) else { return config }
        for pair in pairs {
            let here: [ConfigPathComponent] = [.key(pair.key)]
            if pair.key == "http_server_config" {
                base.error(
                    at: pair.keyLocation, here,
                    "http_server_config (http2, headers) is not supported by featureflag_exporter; remove it")
                continue
            }
            guard let key = TopLevelKey(rawValue: pair.key) else {
                base.error(at: pair.keyLocation, here, "unknown field '\(pair.key)' (known: \(TopLevelKey.list))")
                continue
            }
            switch key {
            case .tlsServerConfig: config.tls = tls(pair.value, here)
            case .basicAuthUsers: config.basicAuthUsers = users(pair.value, here)
            }
        }
        return config
    }

    private mutating func tls(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> WebConfig.TLSServer? {
        guard let pairs = base.mapping(node, path) else { return nil }
        var certificate: String?
        var key: String?
        var clientCA: String?
        var clientAuth: WebConfig.ClientAuth?
        var minimum: WebConfig.Version?
        var maximum: WebConfig.Version?
        for pair in pairs {
            let here = path + [.key(pair.key)]
            guard let field = TLSKey(rawValue: pair.key) else {
                if Self.unsupportedTLSKeys.contains(pair.key) {
                    base.error(at: pair.keyLocation, here, "\(pair.key) is not supported by featureflag_exporter; remove it")
                } else {
                    base.error(at: pair.keyLocation, here, "unknown field '\(pair.key)' (known: \(TLSKey.list))")
                }
                continue
            }
            switch field {
            case .certFile: certificate = file(pair.value, here)
            case .keyFile: key = file(pair.value, here)
            case .clientCAFile: clientCA = file(pair.value, here)
            case .clientAuthType:
                guard let text = base.name(pair.value, here) else { continue }
                guard let parsed = WebConfig.ClientAuth(rawValue: text) else {
                    let known = WebConfig.ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")
                    base.error(pair.value, here, "client_auth_type '\(text)' is not one of \(known)")
                    continue
                }
                clientAuth = parsed
            case .minVersion: minimum = version(pair.value, here)
            case .maxVersion: maximum = version(pair.value, here)
            }
        }
        if certificate == nil && key == nil && clientCA == nil && clientAuth == nil && minimum == nil && maximum == nil {
            return nil
        }
        guard let certificate, let key else {
            base.error(node, path, "tls_server_config needs both cert_file and key_file")
            return nil
        }
        var server = WebConfig.TLSServer(certificateFile: certificate, keyFile: key)
        server.clientCAFile = clientCA
        server.clientAuth = clientAuth ?? .noClientCert
        if server.clientAuth.verifies && clientCA == nil {
            base.error(node, path, "client_auth_type \(server.clientAuth.rawValue) needs client_ca_file")
        }
        if clientCA != nil && !server.clientAuth.verifies {
            base.error(
                node, path,
                "client_ca_file is set but client_auth_type \(server.clientAuth.rawValue) never checks client "
                    + "certificates against it; use VerifyClientCertIfGiven or RequireAndVerifyClientCert")
        }
        server.minimumVersion = minimum ?? .tls12
        server.maximumVersion = maximum
        if let maximum, let minimum, Self.rank(maximum) < Self.rank(minimum) {
            base.error(node, path, "max_version \(maximum.rawValue) is below min_version \(minimum.rawValue)")
        }
        return server
    }

    private static func rank(_ version: WebConfig.Version) -> Int {
        WebConfig.Version.allCases.firstIndex(of: version) ?? 0
    }

    private mutating func version(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> WebConfig.Version? {
        guard let text = base.name(node, path) else { return nil }
        guard let version = WebConfig.Version(rawValue: text) else {
            base.error(node, path, "'\(text)' is not one of TLS10, TLS11, TLS12, TLS13")
            return nil
        }
        return version
    }

    /// A path, made absolute against the web config's directory, as exporter-toolkit does.
    private mutating func file(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> String? {
        guard let text = base.name(node, path) else { return nil }
        guard !text.isEmpty else {
            base.error(node, path, "must name a file")
            return nil
        }
        return text.hasPrefix("/") ? text : directory + "/" + text
    }

    private mutating func users(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> [String: String] {
        var users: [String: String] = [:]
        guard let pairs = base.mapping(node, path) else { return users }
        for pair in pairs {
            let here = path + [.key(pair.key)]
            guard let hash = base.name(pair.value, here) else { continue }
            if pair.key.isEmpty || pair.key.contains(":") {
                base.error(at: pair.keyLocation, here, "a user name must be non-empty and must not contain ':'")
            } else if !Self.isBcrypt(hash) {
                base.error(
                    pair.value, here,
                    "not a bcrypt hash (expected $2a$, $2b$ or $2y$, cost and 53 characters; make one with "
                        + "`htpasswd -nBC 10 \(pair.key)`)")
            } else if let cost = WebConfig.bcryptCost(hash), cost > WebConfig.maximumBcryptCost {
                base.error(
                    pair.value, here,
                    "bcrypt cost \(cost) is over the limit of \(WebConfig.maximumBcryptCost) (each login would hold a blocking "
                        + "thread for seconds); make one with `htpasswd -nBC 10 \(pair.key)`")
            } else {
                users[pair.key] = hash
            }
        }
        return users
    }

    /// `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 4 to 31, `$`, and 53 characters of bcrypt's base64.
    static func isBcrypt(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
            bytes[6] == UInt8(ascii: "$")
        else { return false }
        guard let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)), (4...31).contains(cost) else { return false }
        return bytes[7...].allSatisfy { byte in
            byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/") || (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90)
                || (byte >= 97 && byte <= 122)
        }
    }
}

extension WebConfig {
    /// The highest bcrypt cost accepted: cost 14 takes about a second per check here; 31 would take days.
    public static let maximumBcryptCost = 14

    /// The cost of a bcrypt hash (`$2y$10$...` → 10).
    public static func bcryptCost(_ hash: String) -> Int? {
        let bytes = Array(hash.utf8)
        guard bytes.count >= 7 else { return nil }
        return Int(String(decoding: bytes[4..<6], as: UTF8.self))
    }
}
