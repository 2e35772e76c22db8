import FlagConfig
import FlagEngine
import HTTPTypes
import Hummingbird
import Locking

/// The API keys OFREP clients may present (`X-API-Key: K` or `Authorization: Bearer K`), read from
/// `--ofrep.api-key-file`: one key per line; blank lines and lines starting with `#` are ignored.
///
/// Only SHA-256 digests of the keys are kept. The file is read at start (a missing, unreadable or keyless file stops
/// the exporter) and again on SIGHUP and `/-/reload`; a read that fails or finds no keys keeps the keys in use, so a
/// half-written or emptied file never opens OFREP up.
final class APIKeyFile: Sendable {
    let path: String
    private let digests: Locked<Set<String>>

    init(path: String) throws(ServeSetupError) {
        self.path = path
        do throws(ServeSetupError) {
            digests = Locked(try Self.read(path))
        } catch {
            throw ServeSetupError(description: "invalid --ofrep.api-key-file: \(error.description)")
        }
    }

    /// Reads the file again; the number of keys now in use, or why the old ones stay.
    func reload() -> Result<Int, ServeSetupError> {
        do throws(ServeSetupError) {
            let read = try Self.read(path)
            digests.withLock { $0 = read }
            return .success(read.count)
        } catch {
            return .failure(ServeSetupError(description: "\(error.description); the keys in use stay"))
        }
    }

    /// Whether the request carries one of the keys, as `X-API-Key` or as a bearer token.
    func admits(_ request: Request) -> Bool {
        var presented: [Substring] = []
        if let key = request.headers[Self.apiKeyField] { presented.append(key[...]) }
        if let authorization = request.headers[.authorization], authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        {
            presented.append(authorization.dropFirst(7))
        }
        guard !presented.isEmpty else { return false }
        let known = digests.withLock { $0 }
        return presented.contains { known.contains(Bucketing.sha256Hex(Array($0.utf8))) }
    }

    static let apiKeyField = HTTPField.Name("X-API-Key")!

    private static func read(_ path: String) throws(ServeSetupError) -> Set<String> {
        let text: String
        do {
            text = try FlagConfigLoader.readFile(path).text
        } catch {
            throw ServeSetupError(description: error.description)
        }
        var keys = Set<String>()
        for line in text.split(whereSeparator: \.isNewline) {
            let key = HeaderList.trimmed(line)
            if key.isEmpty || key.first == "#" { continue }
            keys.insert(Bucketing.sha256Hex(Array(String(key).utf8)))
        }
        guard !keys.isEmpty else { throw ServeSetupError(description: "\(path) holds no keys") }
        return keys
    }
}

/// Who may call OFREP: API keys (beside basic auth) and the browser origins CORS admits.
struct OFREPAccess: Sendable {
    /// `nil`: no keys asked for (basic auth, when the web config has users, still applies).
    var apiKeys: APIKeyFile?
    /// `--ofrep.cors-origin`: the origins a browser may call from; `*` is any; empty turns CORS off.
    var allowedOrigins: [String] = []
    /// How long a browser may keep a preflight's answer.
    var preflightMaxAgeSeconds = 600

    static let methods = "POST, OPTIONS"

    /// The origin to echo in `Access-Control-Allow-Origin`, if the request's `Origin` is allowed.
    func allowedOrigin(of request: Request) -> String? {
        guard !allowedOrigins.isEmpty, let origin = request.headers[.origin] else { return nil }
        return allowedOrigins.contains("*") || allowedOrigins.contains(origin) ? origin : nil
    }

    /// CORS headers for an actual (non-preflight) response.
    func addCORSHeaders(to response: inout Response, for request: Request) {
        guard !allowedOrigins.isEmpty else { return }
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        guard let origin = allowedOrigin(of: request) else { return }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = "ETag, Retry-After"
    }

    /// The answer to `OPTIONS`: a CORS preflight when the origin is allowed, else the methods in `Allow`.
    func preflight(_ request: Request) -> Response {
        var headers: HTTPFields = [.allow: Self.methods]
        if let origin = allowedOrigin(of: request) {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = Self.methods
            headers[.accessControlAllowHeaders] = "Content-Type, Authorization, X-API-Key, If-None-Match"
            headers[.accessControlMaxAge] = String(preflightMaxAgeSeconds)
        }
        if !allowedOrigins.isEmpty { headers.append(HTTPField(name: .vary, value: "Origin")) }
        return Response(status: .noContent, headers: headers)
    }
}
