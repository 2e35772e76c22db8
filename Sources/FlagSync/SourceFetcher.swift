public import CurlHTTP
public import FlagConfig
import FlagEngine

/// The text of one successful fetch.
public struct FetchedConfig: Sendable {
    public var base: ConfigText
    /// The `_<environment>` overlay beside a local file, when there is one.
    public var overlay: ConfigText?
    /// What identifies this content at the source (an ETag, an SSM parameter version), sent back on the next fetch.
    public var validator: String?

    public init(base: ConfigText, overlay: ConfigText?, validator: String?) {
        self.base = base
        self.overlay = overlay
        self.validator = validator
    }
}

/// What a fetch found.
public enum FetchOutcome: Sendable {
    /// The source says the content is the one we have (HTTP 304, same SSM version).
    case notModified
    case fetched(FetchedConfig)
}

/// Why a fetch failed. ``kind`` is the `error_type` of `feature_flag_refresh_failure_total`.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case connection
        case timeout
        case httpStatus = "http_status"
        case io
    }

    public var kind: Kind
    /// What went wrong, with the source (never with credentials).
    public var message: String

    public var description: String { message }
}

/// Fetches the flags file from its ``ConfigSource``. Blocking: call it off the cooperative thread pool.
public struct SourceFetcher: Sendable {
    public let source: ConfigSource
    public let environment: String
    public let options: ExporterSettings.Source
    /// The process environment: header values, AWS credentials and endpoints are read from it.
    public let variables: [String: String]

    public init(source: ConfigSource, environment: String, options: ExporterSettings.Source, variables: [String: String]) {
        self.source = source
        self.environment = environment
        self.options = options
        self.variables = variables
    }

    /// Fetches the current content; `validator` is what the last successful fetch returned.
    public func fetch(validator: String?) throws(FetchError) -> FetchOutcome {
        switch source {
        case .file(let path): return .fetched(try fetchFile(path))
        case .http(let url): return try fetchHTTP(url, validator: validator)
        case .ssm(let parameter, let region): return try fetchSSM(parameter, region: region, validator: validator)
        }
    }

    func fetchFile(_ path: String) throws(FetchError) -> FetchedConfig {
        do {
            let base = try FlagConfigLoader.readFile(path)
            let overlayPath = FlagConfigLoader.overlayPath(for: path, environment: environment)
            let overlay = FlagConfigLoader.fileExists(overlayPath) ? try FlagConfigLoader.readFile(overlayPath) : nil
            return FetchedConfig(base: base, overlay: overlay, validator: nil)
        } catch {
            throw FetchError(kind: .io, message: error.description)
        }
    }

    func fetchHTTP(_ url: String, validator: String?) throws(FetchError) -> FetchOutcome {
        var request = CurlRequest(url: url)
        request.timeout = options.timeout
        request.connectTimeout = min(options.timeout, 5)
        request.caFile = options.caFile
        request.headers = try resolvedHeaders()
        if let validator { request.headers.append(("If-None-Match", validator)) }
        let response = try perform(request)
        switch response.status {
        case 304:
            return .notModified
        case 200:
            return .fetched(
                FetchedConfig(
                    base: ConfigText(name: source.description, text: response.text), overlay: nil,
                    validator: response.header("etag")))
        default:
            throw FetchError(
                kind: .httpStatus,
                message: "\(source): HTTP \(response.status)\(Self.excerpt(of: response.text))")
        }
    }

    func fetchSSM(_ parameter: String, region: String, validator: String?) throws(FetchError) -> FetchOutcome {
        guard let keyID = variables["AWS_ACCESS_KEY_ID"], let secret = variables["AWS_SECRET_ACCESS_KEY"],
            !keyID.isEmpty, !secret.isEmpty
        else {
            throw FetchError(kind: .io, message: "\(source): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let endpoint = variables["AWS_ENDPOINT_URL_SSM"] ?? variables["AWS_ENDPOINT_URL"] ?? "https://ssm.\(region).amazonaws.com"
        var request = CurlRequest(url: endpoint.hasSuffix("/") ? endpoint : endpoint + "/", method: .post)
        request.timeout = options.timeout
        request.connectTimeout = min(options.timeout, 5)
        request.caFile = options.caFile
        request.userPassword = keyID + ":" + secret
        request.awsSigV4 = "aws:amz:\(region):ssm"
        request.headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "AmazonSSM.GetParameter"),
        ]
        if let token = variables["AWS_SESSION_TOKEN"], !token.isEmpty { request.headers.append(("X-Amz-Security-Token", token)) }
        // The name is restricted to [A-Za-z0-9_.-/] by ConfigSource, so it needs no escaping.
        request.body = Array(#"{"Name":"\#(parameter)","WithDecryption":true}"#.utf8)
        let response = try perform(request)
        var parser = JSONParser()
        parser.maximumStringBytes = 1 << 20
        let document = try? parser.parse(response.text)
        guard response.status == 200 else {
            throw FetchError(
                kind: .httpStatus,
                message: "\(source): HTTP \(response.status)\(Self.ssmErrorReason(document, body: response.text))")
        }
        guard case .object(let members)? = document, case .object(let found)? = members["Parameter"],
            case .string(let value)? = found["Value"]
        else {
            throw FetchError(kind: .httpStatus, message: "\(source): GetParameter answered without Parameter.Value")
        }
        var version: String?
        if case .int(let number)? = found["Version"] { version = "version:\(number)" }
        if let version, version == validator { return .notModified }
        return .fetched(
            FetchedConfig(base: ConfigText(name: source.description, text: value), overlay: nil, validator: version))
    }

    /// What an SSM error answer says: `: ParameterNotFound (message)` from its `__type` and `message`, else the start
    /// of the body.
    static func ssmErrorReason(_ document: FlagValue?, body: String) -> String {
        guard case .object(let members)? = document, case .string(let type)? = members["__type"] else {
            return excerpt(of: body)
        }
        // `com.amazonaws.ssm#ParameterNotFound` → `ParameterNotFound`; an empty type (or only `#`) is unknown.
        let name = type.split(separator: "#").last.map(String.init) ?? ""
        var message = ""
        if case .string(let text)? = members["message"] ?? members["Message"], !text.isEmpty { message = " (\(text))" }
        return ": " + (name.isEmpty ? "unknown error" : name) + message
    }

    func perform(_ request: CurlRequest) throws(FetchError) -> CurlResponse {
        do {
            return try CurlHTTPClient.perform(request)
        } catch {
            let kind: FetchError.Kind =
                switch error.kind {
                case .timeout: .timeout
                case .connection: .connection
                case .tooLarge, .local: .io
                }
            throw FetchError(kind: kind, message: error.message)
        }
    }

    /// The configured headers with their values read now. A missing variable or file is an `io` failure that names
    /// the variable or file, never the value.
    func resolvedHeaders() throws(FetchError) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for header in options.headers {
            do {
                headers.append((header.name, try header.value.secretValue.resolve(variables: variables)))
            } catch {
                throw FetchError(kind: .io, message: "header \(header.name): \(error.message)")
            }
        }
        return headers
    }

    /// The start of an error body, on one line, for messages.
    static func excerpt(of body: String) -> String {
        let line = body.prefix(200).map { $0.isNewline ? " " : $0 }
        let text = String(line).trimmingCharacters()
        return text.isEmpty ? "" : ": " + text
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

extension ExporterSettings.HeaderValue {
    /// The same source of a value, as the HTTP layer reads it.
    public var secretValue: SecretValue {
        switch self {
        case .literal(let value): .literal(value)
        case .environmentVariable(let name): .environmentVariable(name)
        case .file(let path): .file(path)
        }
    }
}
