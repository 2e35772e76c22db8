import CurlHTTP
import WireFormat
import Secrets
public import FlagConfig
public import Settings
import FlagEngine

/// What identifies the content of one fetch at the source, piece by piece: the base's and the overlay's ETags (or
/// SSM parameter versions), each sent back on the next fetch.
public struct FetchValidator: Sendable, Hashable {
    public var base: String?
    public var overlay: String?
    /// The overlay was looked for and not found (HTTP 404, no such SSM parameter).
    public var overlayAbsent: Bool

    public init(base: String?, overlay: String?, overlayAbsent: Bool) {
        self.base = base
        self.overlay = overlay
        self.overlayAbsent = overlayAbsent
    }
}

/// The text of one successful fetch.
public struct FetchedConfig: Sendable {
    public var base: ConfigText
    /// The active environment's overlay, when one was found.
    public var overlay: ConfigText?
    /// Where the overlay was looked for (a path, URL or SSM parameter), or `nil` when the environment has none on
    /// purpose (``ExporterSettings/Overlay/none``).
    public var overlayLookup: String?
    /// Environments with an overlay beside a local base file (other than the active one), for error messages.
    public var overlayEnvironments: [String]
    public var validator: FetchValidator?

    public init(
        base: ConfigText, overlay: ConfigText?, overlayLookup: String? = nil, overlayEnvironments: [String] = [],
        validator: FetchValidator? = nil
    ) {
        self.base = base
        self.overlay = overlay
        self.overlayLookup = overlayLookup
        self.overlayEnvironments = overlayEnvironments
        self.validator = validator
    }
}

/// What a fetch found.
public enum FetchOutcome: Sendable {
    /// The source says the content is the one we have (HTTP 304 for every piece, same SSM versions).
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
    /// For a local file that could not be read: the loader's located error.
    public var fileError: FlagConfigError?

    public init(kind: Kind, message: String, fileError: FlagConfigError? = nil) {
        self.kind = kind
        self.message = message
        self.fileError = fileError
    }

    public var description: String { message }
}

/// Fetches the flags file and the active environment's overlay from their ``ConfigSource``. Blocking: call it off
/// the cooperative thread pool.
///
/// Every kind of source takes overlays the same way: by default the overlay sits beside the base under the naming
/// rule (`feature_flags.yaml` → `feature_flags_<environment>.yaml`, for a path or a URL's path; `ssm:///p/flags` →
/// `ssm:///p/flags_<environment>`), each piece fetched with its own validator.
public struct SourceFetcher: Sendable {
    public let source: ConfigSource
    public let environment: String
    public let options: ExporterSettings.Source
    /// The process environment: header values, AWS credentials and endpoints are read from it.
    public let variables: [String: String]

    /// Whether the environment was named by the user (`--environment`, `ENVIRONMENT`) rather than defaulted: a named
    /// environment the config does not know is an error, since it would silently drop every overlay.
    public let environmentIsExplicit: Bool

    public init(
        source: ConfigSource, environment: String, options: ExporterSettings.Source, variables: [String: String],
        environmentIsExplicit: Bool = false
    ) {
        self.source = source
        self.environment = environment
        self.options = options
        self.variables = variables
        self.environmentIsExplicit = environmentIsExplicit
    }

    /// The error for an environment named by the user that the fetched config does not know: no overlay was found
    /// beside the base and the base has no `environments.<name>` section. A local base file with no environments at
    /// all (no section, no overlay file) knows every environment, since there is nothing to drop; a remote one cannot
    /// tell, so it needs an overlay, a section, or `--config.overlay none`.
    public func unknownEnvironmentError(_ fetched: FetchedConfig, sections: [String]) -> FlagConfigError? {
        guard environmentIsExplicit, options.overlay == .beside, fetched.overlay == nil, !sections.contains(environment)
        else { return nil }
        let known = Array(Set(sections + fetched.overlayEnvironments)).sorted()
        if known.isEmpty, source.isFile { return nil }
        let knownText = known.isEmpty ? "none declared in the base" : known.joined(separator: ", ")
        let message =
            "environment '\(environment)' is not known: the base has no environments.\(environment) section and there is "
            + "no overlay at \(fetched.overlayLookup ?? "its overlay path"); known environments: \(knownText). Use one of "
            + "those, or pass --config.overlay none (source.overlay: none) if '\(environment)' has no overlay on purpose"
        return FlagConfigError(
            diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: SourceLocation(file: fetched.base.name), path: "", message: message)
            ], stage: .validation)
    }

    /// Where the active environment's overlay comes from, or `nil` for none.
    public func overlaySource() throws(FetchError) -> ConfigSource? {
        switch options.overlay {
        case .none: return nil
        case .beside: return source.overlay(for: environment)
        case .source(let text):
            do {
                return try ConfigSource(parsing: text, environment: variables)
            } catch {
                throw FetchError(kind: .io, message: "the overlay: \(error.description)")
            }
        }
    }

    /// Fetches the current content; `validator` is what the last successful fetch returned.
    public func fetch(validator: FetchValidator?) throws(FetchError) -> FetchOutcome {
        let overlaySource = try overlaySource()
        let base = try fetchPiece(source, validator: validator?.base)
        let overlay = try overlaySource.map { overlaySource throws(FetchError) in
            try fetchPiece(overlaySource, validator: validator?.overlay)
        }
        if let validator, case .notModified = base {
            switch overlay {
            case nil, .notModified?: return .notModified
            case .absent? where validator.overlayAbsent: return .notModified
            default: break
            }
        }
        // Something changed: every piece is needed as text, so a piece that was "not modified" is fetched again.
        let baseText = try text(of: base, from: source)
        var overlayText: (text: ConfigText, validator: String?)?
        if let overlaySource, let overlay {
            if case .absent = overlay {
                if case .source = options.overlay {
                    throw FetchError(kind: .io, message: "the overlay \(overlaySource) does not exist")
                }
            } else {
                overlayText = try text(of: overlay, from: overlaySource)
            }
        }
        return .fetched(
            FetchedConfig(
                base: baseText.text, overlay: overlayText?.text, overlayLookup: overlaySource?.description,
                overlayEnvironments: otherOverlayEnvironments(),
                validator: FetchValidator(
                    base: baseText.validator, overlay: overlayText?.validator, overlayAbsent: overlayText == nil)))
    }

    /// One piece (base or overlay) as the source answered it.
    enum Piece {
        case found(ConfigText, validator: String?)
        case notModified
        /// HTTP 404, no such SSM parameter, no such file.
        case absent
    }

    func text(of piece: Piece, from source: ConfigSource) throws(FetchError) -> (text: ConfigText, validator: String?) {
        var piece = piece
        if case .notModified = piece { piece = try fetchPiece(source, validator: nil) }
        switch piece {
        case .found(let text, let validator): return (text, validator)
        case .absent: throw FetchError(kind: .io, message: "\(source): not found")
        case .notModified: throw FetchError(kind: .httpStatus, message: "\(source): 'not modified' to an unconditional request")
        }
    }

    func fetchPiece(_ source: ConfigSource, validator: String?) throws(FetchError) -> Piece {
        switch source {
        case .file(let path): return try fetchFile(path, isBase: source == self.source)
        case .http(let url): return try fetchHTTP(url, source: source, validator: validator)
        case .ssm(let parameter, let region):
            return try fetchSSM(parameter, region: region, source: source, validator: validator)
        }
    }

    func fetchFile(_ path: String, isBase: Bool) throws(FetchError) -> Piece {
        // A missing base is an error; a missing overlay beside it is "no overlay" (a dangling link or a directory
        // there is not: readFile says what it is).
        if !isBase && !FlagConfigLoader.pathExists(path) { return .absent }
        do {
            return .found(try FlagConfigLoader.readFile(path), validator: nil)
        } catch {
            throw FetchError(kind: .io, message: error.description, fileError: error)
        }
    }

    /// Environments with an overlay file beside a local base, for the "unknown environment" error.
    func otherOverlayEnvironments() -> [String] {
        guard case .file(let path) = source else { return [] }
        return FlagConfigLoader.overlayEnvironments(besidePath: path)
    }

    func fetchHTTP(_ url: String, source: ConfigSource, validator: String?) throws(FetchError) -> Piece {
        var request = CurlRequest(url: url)
        request.timeout = options.timeout
        request.connectTimeout = min(options.timeout, 5)
        request.caFile = options.caFile
        request.headers = try resolvedHeaders()
        if let validator { request.headers.append(("If-None-Match", validator)) }
        let response = try perform(request)
        switch response.status {
        case 304 where validator != nil:
            return .notModified
        case 200:
            return .found(ConfigText(name: source.description, text: response.text), validator: response.header("etag"))
        case 404 where source != self.source:
            return .absent
        default:
            throw FetchError(
                kind: .httpStatus,
                message: "\(source): HTTP \(response.status)\(Self.excerpt(of: response.text))")
        }
    }

    func fetchSSM(_ parameter: String, region: String, source: ConfigSource, validator: String?) throws(FetchError) -> Piece {
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
            if source != self.source, Self.ssmErrorName(document) == "ParameterNotFound" { return .absent }
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
        return .found(ConfigText(name: source.description, text: value), validator: version)
    }

    /// The error name of an SSM error answer (`com.amazonaws.ssm#ParameterNotFound` → `ParameterNotFound`).
    static func ssmErrorName(_ document: FlagValue?) -> String? {
        guard case .object(let members)? = document, case .string(let type)? = members["__type"] else { return nil }
        return type.split(separator: "#").last.map(String.init)
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
                case .tooLarge, .local, .invalidRequest: .io
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
                headers.append((header.name, try header.value.resolve(variables: variables)))
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
