import Settings
import FlagConfig
import HTTPTypes
import Hummingbird
import Telemetry

/// Runs before every route: transfer codings other than chunked refused (501); authentication (401 without valid
/// credentials: basic auth when `--web.config.file` lists users, and for OFREP an API key when
/// `--ofrep.api-key-file` is set); then the declared body size (413 over ``maximumBodyBytes``). Every refusal is
/// counted. OFREP routes check their bodies themselves and throw ``OFREPError``s, rendered here with CORS headers.
struct RequestGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let webConfig: WebConfigReloader?
    let authenticator: BasicAuthenticator
    /// API keys and CORS for the OFREP routes.
    let ofrep: OFREPAccess
    let maximumBodyBytes: Int
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // Only `chunked` is a transfer coding we decode; `gzip, chunked` would hand a route compressed bytes as if
        // they were the body (RFC 9112 §6.1: 501 for a coding the server does not understand).
        let codings = request.headers[values: .transferEncoding].flatMap { $0.split(separator: ",") }
            .map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }
        if !codings.isEmpty && codings != ["chunked"] {
            metrics.recordRefused(.malformed)
            return Response(
                status: .notImplemented, headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Transfer-Encoding other than chunked is not supported.\n")))
        }
        let isOFREP = request.uri.path.hasPrefix("/ofrep/")
        // A browser's CORS preflight carries no credentials: answered before authentication, and says nothing.
        if isOFREP && request.method == .options { return ofrep.preflight(request) }
        if let refusal = await authenticate(request, isOFREP: isOFREP) {
            metrics.recordRefused(.unauthorized)
            var response = refusal
            if isOFREP { ofrep.addCORSHeaders(to: &response, for: request) }
            return response
        }
        if !request.uri.path.hasPrefix("/ofrep/"), let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBodyBytes {
            metrics.recordRefused(.bodyTooLarge)
            return Response(
                status: .contentTooLarge, headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Request body is over \(maximumBodyBytes) bytes.\n")))
        }
        guard isOFREP else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as OFREPError {
            response = error.response
        }
        ofrep.addCORSHeaders(to: &response, for: request)
        return response
    }

    /// `nil` when the request may pass, else the 401 to answer. OFREP takes an API key (when
    /// `--ofrep.api-key-file` is set) or basic auth (when the web config has users); every other route takes basic
    /// auth when the web config has users.
    private func authenticate(_ request: Request, isOFREP: Bool) async -> Response? {
        let users = webConfig?.latest.config.basicAuthUsers ?? [:]
        let keys = isOFREP ? ofrep.apiKeys : nil
        if users.isEmpty && keys == nil { return nil }
        if let keys, keys.admits(request) { return nil }
        if !users.isEmpty, let header = request.headers[.authorization],
            let credentials = BasicAuthenticator.credentials(fromAuthorization: header),
            await authenticator.verify(user: credentials.user, password: credentials.password, users: users)
        {
            return nil
        }
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if !users.isEmpty {
            headers.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"featureflag_exporter\", charset=\"UTF-8\""))
        }
        if keys != nil {
            headers.append(HTTPField(name: .wwwAuthenticate, value: "Bearer realm=\"featureflag_exporter\""))
        }
        return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
    }
}
