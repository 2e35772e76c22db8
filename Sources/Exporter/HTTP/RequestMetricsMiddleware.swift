import Hummingbird
import Telemetry
import SystemIO

/// Counts every request in `feature_flag_exporter_http_requests_total{handler,code}` and its latency, with the
/// handler named by the route pattern the router matched (the flag key of an OFREP path is not a label), or `other`
/// when no route matched. The route table is the router's alone.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = SystemClock.monotonicSeconds()
        let handler = context.endpointPath ?? "other"
        do {
            let response = try await next(request, context)
            metrics.recordRequest(
                handler: handler, code: Int(response.status.code), durationSeconds: SystemClock.monotonicSeconds() - started)
            return response
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(handler: handler, code: Int(code), durationSeconds: SystemClock.monotonicSeconds() - started)
            throw error
        }
    }
}
