import CurlHTTP
import Secrets
import FlagConfig
public import Settings
import FlagSync
public import Pushgateway
#if canImport(Glibc)
import Glibc
#endif

/// What the command line says about pushing. Each field left `nil` (or empty) takes `push:` of `exporter.yaml`, then
/// the default.
public struct PushOptions: Sendable {
    public var gatewayURL: String?
    public var job: String?
    /// `name=value` grouping labels; a name also in `push.grouping` replaces it there.
    public var grouping: [String] = []
    public var method: PushgatewayClient.Method?
    /// Seconds between pushes from `serve`.
    public var interval: Double?
    public var username: String?
    public var passwordFile: String?
    public var passwordEnvironmentVariable: String?
    public var bearerTokenFile: String?
    public var bearerTokenEnvironmentVariable: String?
    /// `Name: value` header lines.
    public var headers: [String] = []
    public var caFile: String?
    public var timeout: Double?
    public var connectTimeout: Double?
    public var retries: Int?
    public var gzip: Bool?
    public var deleteOnShutdown: Bool?

    public init() {}
}

/// Where and how to push, resolved from ``PushOptions``, `push:` of `exporter.yaml` and the process environment.
public struct PushPlan: Sendable {
    public var client: PushgatewayClient
    public var group: PushGroup
    public var method: PushgatewayClient.Method
    /// Seconds between pushes from `serve`.
    public var interval: Double
    public var deleteOnShutdown: Bool

    /// The plan, or `nil` when no gateway URL is set.
    ///
    /// - Parameter defaultInstance: an `instance` grouping label added when none is given (`serve` passes the host
    ///   name, so the exporters of several hosts do not replace each other's group).
    public static func resolve(
        options: PushOptions, settings: ExporterSettings.Push, variables: [String: String],
        defaultInstance: String? = nil
    ) throws(PushSetupError) -> PushPlan? {
        guard let url = options.gatewayURL ?? settings.url else { return nil }
        var configuration = PushgatewayClient.Configuration(url: url)
        configuration.variables = variables
        configuration.caFile = options.caFile ?? settings.caFile
        configuration.timeout = options.timeout ?? settings.timeout
        configuration.connectTimeout = options.connectTimeout ?? settings.connectTimeout
        configuration.gzip = options.gzip ?? settings.gzip
        configuration.retry = RetryPolicy(retries: options.retries ?? settings.retries)
        configuration.headers = settings.headers.map { .init(name: $0.name, value: $0.value) }
        for line in options.headers {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw PushSetupError(description: "header '\(line)' is not 'Name: value'")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            configuration.headers.append(.init(name: name, value: .literal(String(value))))
        }
        configuration.credentials = try credentials(options: options, settings: settings)
        do {
            try configuration.validate()
        } catch {
            throw PushSetupError(description: error.message)
        }

        var labels = settings.grouping.map { PushGroup.Label(name: $0.name, value: $0.value) }
        for text in options.grouping {
            let label: PushGroup.Label
            do {
                label = try PushGroup.label(parsing: text)
            } catch {
                throw PushSetupError(description: error.message)
            }
            if let index = labels.firstIndex(where: { $0.name == label.name }) {
                labels[index] = label
            } else {
                labels.append(label)
            }
        }
        if let defaultInstance, !labels.contains(where: { $0.name == "instance" }) {
            labels.append(PushGroup.Label(name: "instance", value: defaultInstance))
        }
        let group: PushGroup
        do {
            group = try PushGroup(job: options.job ?? settings.job, labels: labels)
        } catch {
            throw PushSetupError(description: error.message)
        }
        let interval = options.interval ?? settings.interval
        guard interval >= 1 else { throw PushSetupError(description: "the push interval must be at least 1 second") }
        return PushPlan(
            client: PushgatewayClient(configuration: configuration), group: group,
            method: options.method ?? PushgatewayClient.Method(rawValue: settings.method) ?? .put, interval: interval,
            deleteOnShutdown: options.deleteOnShutdown ?? settings.deleteOnShutdown)
    }

    private static func credentials(options: PushOptions, settings: ExporterSettings.Push) throws(PushSetupError)
        -> PushgatewayClient.Credentials
    {
        var passwords: [SecretValue] = []
        if let file = options.passwordFile { passwords.append(.file(file)) }
        if let name = options.passwordEnvironmentVariable { passwords.append(.environmentVariable(name)) }
        var tokens: [SecretValue] = []
        if let file = options.bearerTokenFile { tokens.append(.file(file)) }
        if let name = options.bearerTokenEnvironmentVariable { tokens.append(.environmentVariable(name)) }
        guard passwords.count <= 1, tokens.count <= 1 else {
            throw PushSetupError(description: "give one password source and one bearer token source at most")
        }
        if options.username != nil || !passwords.isEmpty {
            guard tokens.isEmpty else { throw PushSetupError(description: "use basic auth or a bearer token, not both") }
            guard let username = options.username ?? settings.basicAuth?.username else {
                throw PushSetupError(description: "a password needs a username")
            }
            guard let password = passwords.first ?? settings.basicAuth?.password else {
                throw PushSetupError(description: "basic auth for \(username) needs a password file or variable")
            }
            return .basic(username: username, password: password)
        }
        if let token = tokens.first { return .bearer(token) }
        if let basic = settings.basicAuth { return .basic(username: basic.username, password: basic.password) }
        if let token = settings.bearerToken { return .bearer(token) }
        return .none
    }

    /// This machine's host name (the default `instance` grouping label of `serve`).
    public static func hostName() -> String {
        let name = FlagConfigLoader.hostname()
        return name.isEmpty ? "unknown" : name
    }
}

/// Push settings that make pushing impossible; `serve` and `push` refuse to start with them.
public struct PushSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
