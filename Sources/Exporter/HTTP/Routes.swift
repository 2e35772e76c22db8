import FlagSync
import FlagConfig
import FlagEngine
import Hummingbird
import Logging
import Telemetry

/// The exporter's HTTP routes: the landing page, `/metrics`, `/health`, readiness, the lifecycle API and OFREP.
struct Routes {
    /// The config side: the flags in use, their status, and checks on request (`/-/reload`).
    let runtime: ConfigRuntime
    /// What `/metrics` renders.
    let telemetry: ExporterTelemetry
    let mirror: MirrorEvaluator
    let options: ServeOptions
    let access: OFREPAccess
    /// Read again by `/-/reload`, and the web config's users checked by the guards.
    let webConfig: WebConfigReloader?
    let logger: Logger

    /// The exporter's router: request metrics first, then the guards (basic auth or an OFREP API key, CORS, the
    /// declared body size), then the routes. Built once and shared by every listen address; tests build it in
    /// process and drive it with HummingbirdTesting.
    func router(maximumBodyBytes: Int) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: telemetry.http))
        router.add(
            middleware: RequestGuardMiddleware(
                webConfig: webConfig, authenticator: BasicAuthenticator(), ofrep: access,
                maximumBodyBytes: maximumBodyBytes, metrics: telemetry.http))
        register(on: router)
        return router
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in landingPage() }
        router.get(RouterPath(stringLiteral: options.telemetryPath)) { request, _ in metrics(request) }
        // HEAD as GET without the body (Hummingbird answers HEAD only for routes that declare it).
        router.head(RouterPath(stringLiteral: options.telemetryPath)) { request, _ in
            let response = metrics(request)
            return Response(status: response.status, headers: response.headers)
        }
        router.get("/health") { _, _ in health() }
        router.get("/-/healthy") { _, _ in text(.ok, "Healthy.\n") }
        router.get("/-/ready") { _, _ in
            runtime.isLoaded ? text(.ok, "Ready.\n") : text(.serviceUnavailable, "Not ready: no valid config loaded yet.\n")
        }
        router.post("/-/reload") { _, _ in await reload() }
        router.put("/-/reload") { _, _ in await reload() }
        OFREPRoutes(status: runtime, store: runtime.store, mirror: mirror, http: telemetry.http, access: access)
            .register(on: router)
    }

    // MARK: - Pages

    func landingPage() -> Response {
        let flagSet = runtime.store.snapshot
        let version = runtime.isLoaded ? flagSet.info.version : "none loaded"
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>featureflag_exporter</title></head>
            <body>
            <h1>featureflag_exporter</h1>
            <p>Version \(Self.escape(BuildInfo.version)). Config version \(Self.escape(version)), environment \
            \(Self.escape(runtime.environment)), \(runtime.isLoaded ? flagSet.count : 0) flags, from \
            \(Self.escape(runtime.source.description)).</p>
            <ul>
            <li><a href="\(Self.escape(options.telemetryPath))">Metrics</a></li>
            <li><a href="/health">Health</a></li>
            <li><a href="/-/ready">Ready</a></li>
            <li>OFREP: <code>POST /ofrep/v1/evaluate/flags/{key}</code>, <code>POST /ofrep/v1/evaluate/flags</code></li>
            </ul>
            </body></html>

            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "&": output += "&amp;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }

    func metrics(_ request: Request) -> Response {
        // A scrape only reads: mirrored counts reach the series on the mirror's own clock (``MirrorFlusher``).
        let body = telemetry.render(now: EvaluationClock.system.now())
        // The body depends on Accept-Encoding: caches between a scraper and us must key on it (RFC 9110 §12.5.5).
        var headers: HTTPFields = [.contentType: "text/plain; version=0.0.4; charset=utf-8", .vary: "Accept-Encoding"]
        let acceptsGzip = Self.accepts("gzip", in: request.headers[values: .acceptEncoding])
        if acceptsGzip, let compressed = Gzip.compress(body) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: compressed)))
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Whether `Accept-Encoding` values accept `coding` (or `*`) with a non-zero quality (RFC 9110 §12.5.3):
    /// `gzip;q=0` refuses gzip.
    static func accepts(_ coding: String, in values: [String]) -> Bool {
        for item in HeaderList.items(values) {
            let parts = item.split(separator: ";").map { HeaderList.trimmed($0).lowercased() }
            guard let name = parts.first, name == coding || name == "*" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
        return false
    }

    func health() -> Response {
        let report = HealthReport(runtime: runtime, now: EvaluationClock.system.now())
        return json(report.healthy ? .ok : .serviceUnavailable, report.json)
    }

    func reload() async -> Response {
        guard options.enableLifecycle else {
            return text(.forbidden, "Lifecycle API is not enabled; start with --web.enable-lifecycle.\n")
        }
        await AccessFiles(webConfig: webConfig, apiKeys: access.apiKeys, logger: logger).reload()
        let report = await runtime.refresh(trigger: .manual)
        switch report.outcome {
        case .applied(let loaded):
            return text(.ok, "Reloaded: \(loaded.flagSet.count) flags, version \(loaded.flagSet.info.version).\n")
        case .unchanged:
            return text(.ok, "Unchanged.\n")
        case .rejected, .failed, .breakerOpen:
            return text(
                .internalServerError,
                "Failed to reload config (\(report.refreshErrorType?.rawValue ?? "error")); keeping the config in use:\n\(report.errorDescription ?? "")\n")
        }
    }

    func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
