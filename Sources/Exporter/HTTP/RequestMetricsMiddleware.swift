import Hummingbird
import Telemetry

/// Counts every request in `feature_flag_exporter_http_requests_total{handler,code}` and its latency, with the
/// handler named by route (the flag key of an OFREP path is not a label).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics
    let telemetryPath: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = MonotonicClock.seconds()
        let handler = handlerName(request.uri.path)
        do {
            let response = try await next(request, context)
            metrics.recordRequest(
                handler: handler, code: Int(response.status.code), durationSeconds: MonotonicClock.seconds() - started)
            return response
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(handler: handler, code: Int(code), durationSeconds: MonotonicClock.seconds() - started)
            throw error
        }
    }

    func handlerName(_ path: String) -> String {
        if path.hasPrefix("/ofrep/v1/evaluate/flags/") { return "/ofrep/v1/evaluate/flags/{key}" }
        switch path {
        case "/", "/health", "/-/healthy", "/-/ready", "/-/reload", "/ofrep/v1/evaluate/flags", telemetryPath: return path
        default: return "other"
        }
    }
}
