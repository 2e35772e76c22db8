import FlagConfig
import Hummingbird
import Telemetry

/// Runs before every route: transfer codings other than chunked refused (501); basic auth when `--web.config.file` lists users (401 without valid credentials), then
/// the declared body size (413 over ``maximumBodyBytes``). Both refusals are counted. OFREP routes check their
/// bodies themselves, answering in OFREP's error shape.
struct RequestGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let webConfig: WebConfigReloader?
    let authenticator: BasicAuthenticator
    let maximumBodyBytes: Int
    let telemetry: ExporterTelemetry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // Only `chunked` is a transfer coding we decode; `gzip, chunked` would hand a route compressed bytes as if
        // they were the body (RFC 9112 §6.1: 501 for a coding the server does not understand).
        let codings = request.headers[values: .transferEncoding].flatMap { $0.split(separator: ",") }
            .map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }
        if !codings.isEmpty && codings != ["chunked"] {
            telemetry.recordHTTPRefused(.malformed)
            return Response(
                status: .notImplemented, headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Transfer-Encoding other than chunked is not supported.\n")))
        }
        if let users = webConfig?.latest.config.basicAuthUsers, !users.isEmpty {
            var authorized = false
            if let header = request.headers[.authorization],
                let credentials = BasicAuthenticator.credentials(fromAuthorization: header)
            {
                authorized = await authenticator.verify(
                    user: credentials.user, password: credentials.password, users: users)
            }
            guard authorized else {
                telemetry.recordHTTPRefused(.unauthorized)
                return Response(
                    status: .unauthorized,
                    headers: [
                        .wwwAuthenticate: "Basic realm=\"featureflag_exporter\", charset=\"UTF-8\"",
                        .contentType: "text/plain; charset=utf-8",
                    ],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
            }
        }
        if !request.uri.path.hasPrefix("/ofrep/"), let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBodyBytes {
            telemetry.recordHTTPRefused(.bodyTooLarge)
            return Response(
                status: .contentTooLarge, headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Request body is over \(maximumBodyBytes) bytes.\n")))
        }
        return try await next(request, context)
    }
}
