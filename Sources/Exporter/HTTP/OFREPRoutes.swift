import Settings
import FlagConfig
import WireFormat
import Foundation
import FlagEngine
import FlagSync
import Hummingbird
import Telemetry

/// OFREP's two evaluation endpoints (docs/ofrep.md): `POST /ofrep/v1/evaluate/flags/{key}` and
/// `POST /ofrep/v1/evaluate/flags`. Every other method on them is 405 with `Allow`; `OPTIONS` answers CORS
/// preflights (``OFREPAccess``).
struct OFREPRoutes {
    /// Whether a config is loaded yet.
    let status: any ConfigStatusReading
    let store: FlagStore
    /// Evaluates and counts the calls, as mirrored traffic.
    let mirror: MirrorEvaluator
    let http: HTTPMetrics
    let access: OFREPAccess

    static let singlePath: RouterPath = "/ofrep/v1/evaluate/flags/{key}"
    static let bulkPath: RouterPath = "/ofrep/v1/evaluate/flags"

    func register(on router: Router<BasicRequestContext>) {
        router.post(Self.singlePath) { request, context in
            // Hummingbird hands the path segment over as sent: `a%2Fb` is the key `a/b`.
            let raw = context.parameters.get("key") ?? ""
            let key = raw.utf8.contains(UInt8(ascii: "%")) ? raw.removingPercentEncoding ?? raw : raw
            return try await evaluateOne(request, key: key)
        }
        router.post(Self.bulkPath) { request, _ in try await evaluateAll(request) }
        for path in [Self.singlePath, Self.bulkPath] {
            router.on(path, method: .options) { request, _ in access.preflight(request) }
            for method: HTTPRequest.Method in [.get, .head, .put, .delete, .patch] {
                router.on(path, method: method) { _, _ in
                    Response(
                        status: .methodNotAllowed,
                        headers: [.allow: OFREPAccess.methods, .contentType: "text/plain; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: "OFREP takes POST.\n")))
                }
            }
        }
    }

    /// Before any config has loaded, OFREP says so (503, `Retry-After`) instead of calling every flag unknown.
    func requireReady(key: String?) throws(OFREPError) {
        guard status.isLoaded else {
            throw OFREPError(
                .serviceUnavailable, key: key, code: .general,
                details: "the exporter has not loaded a config yet; see /health for why", retryAfter: 5)
        }
    }

    func evaluateOne(_ request: Request, key: String) async throws(OFREPError) -> Response {
        try requireReady(key: key)
        let context = try await readContext(request, key: key)
        if let wait = mirror.admit() {
            http.recordRefused(.rateLimited)
            throw OFREPError(.tooManyRequests, key: key, code: .general, details: "mirror rate limit exceeded", retryAfter: wait)
        }
        guard let evaluated = mirror.evaluate(key, in: context, refusingWithoutBucketingID: true) else {
            throw OFREPError(.notFound, key: key, code: .flagNotFound, details: "flag '\(key)' is not in the config")
        }
        let definition = evaluated.flagSet.definitions[evaluated.outcome.flagIndex]
        if evaluated.outcome.lacksBucketingID {
            throw OFREPError(.badRequest, OFREP.missingBucketingID(definition))
        }
        if evaluated.result.error == .parseError {
            throw OFREPError(.badRequest, OFREP.unreadableTargeting(definition))
        }
        var json = JSONWriter()
        OFREP.success(evaluated.result, definition: definition, format: evaluated.flagSet.format,
                      codeDefault: evaluated.flagSet.servesCodeDefault(evaluated.outcome), into: &json)
        return Self.json(.ok, json.text)
    }

    /// The bulk call. Its entity tag is known before evaluating (``BulkEntityTag``), so a matching `If-None-Match`
    /// is answered 304 without evaluating, counting or charging the rate limit.
    func evaluateAll(_ request: Request) async throws(OFREPError) -> Response {
        try requireReady(key: nil)
        let (bytes, decoded) = try await readBody(request, key: nil)
        var context = decoded
        let flagSet = store.snapshot
        // One instant for the whole answer and its tag: gradual rollouts are evaluated at it.
        let now = EvaluationClock.system.now()
        let timeIsPinned = context.timestamp != nil
        if context.timestamp == nil { context.timestamp = now }
        let tag = BulkEntityTag.make(flagSet: flagSet, body: bytes, gradualTime: timeIsPinned ? nil : now)
        if let tag, BulkEntityTag.matches(tag, request.headers[values: .ifNoneMatch]) {
            return Response(status: .notModified, headers: [.eTag: tag])
        }
        if let wait = mirror.admit(count: max(1, flagSet.count)) {
            http.recordRefused(.rateLimited)
            throw OFREPError(.tooManyRequests, key: nil, code: .general, details: "mirror rate limit exceeded", retryAfter: wait)
        }
        let outcomes = mirror.evaluateAll(in: context, on: flagSet)
        let body = JSONWriter.object(reservingCapacity: 128 * max(1, outcomes.count)) { json in
            json.array("flags") { list in
                for outcome in outcomes {
                    let definition = flagSet.definitions[outcome.flagIndex]
                    if outcome.reason == .evaluationError {
                        OFREP.unreadableTargeting(definition).write(into: &list)
                        continue
                    }
                    if outcome.lacksBucketingID {
                        OFREP.missingBucketingID(definition).write(into: &list)
                    } else {
                        OFREP.success(flagSet.result(for: outcome), definition: definition, format: flagSet.format,
                                      codeDefault: flagSet.servesCodeDefault(outcome), into: &list)
                    }
                }
            }
        }
        var response = Self.json(.ok, body)
        if let tag { response.headers[.eTag] = tag }
        return response
    }

    func readContext(_ request: Request, key: String?) async throws(OFREPError) -> EvaluationContext {
        try await readBody(request, key: key).context
    }

    /// Reads `{"context": {...}}` within the mirror line limit; every refusal is counted and thrown as OFREP's 4xx:
    /// 413 over the limit, 400 PARSE_ERROR for what is not JSON, 400 INVALID_CONTEXT for a missing or bad context.
    func readBody(_ request: Request, key: String?) async throws(OFREPError) -> (bytes: [UInt8], context: EvaluationContext) {
        let limit = mirror.settings.maximumLineBytes
        let tooLarge = OFREPError(.contentTooLarge, key: key, code: .parseError, details: "body is over \(limit) bytes")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            refuseTooLarge()
            throw tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            refuseTooLarge()
            throw tooLarge
        }
        let bytes = Array(buffer.readableBytesView)
        switch OFREPRequestBody.decode(bytes) {
        case .success(let context):
            return (bytes, context)
        case .failure(.malformed(let details)):
            mirror.recordRefused(.malformed)
            throw OFREPError(.badRequest, key: key, code: .parseError, details: details)
        case .failure(.invalidContext(let details)):
            mirror.recordRefused(.malformed)
            if let key { mirror.recordInvalidContext(flagKey: key) }
            throw OFREPError(.badRequest, key: key, code: .invalidContext, details: details)
        }
    }

    private func refuseTooLarge() {
        mirror.recordRefused(.tooLarge)
        http.recordRefused(.bodyTooLarge)
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The bulk answer's entity tag, computed from what the answer is a function of, before evaluating: the exporter's
/// version, the config (its checksum and environment), the request body, and, when the context names no
/// `timestamp`, the percentage every gradual rollout stands at now. `nil` (no tag, never a 304) when a rollout is not
/// sticky: its answer is drawn at random on each call.
enum BulkEntityTag {
    static func make(flagSet: FlagSet, body: [UInt8], gradualTime: Double?) -> String? {
        var input = Array("\(BuildInfo.version)\n\(flagSet.info.checksum)\n\(flagSet.info.environment)\n".utf8)
        // A random draw, or a rule reading the time, makes the answer no function of these inputs.
        if flagSet.answersVaryBetweenCalls { return nil }
        for definition in flagSet.definitions {
            guard definition.state == .rollout, let rollout = definition.rollout else { continue }
            if !(rollout.sticky ?? flagSet.settings.stickyBucketing) { return nil }
            if let gradualTime, case .gradual(let schedule) = rollout.strategy {
                input += Array("\(definition.key)=\(schedule.percentage(at: gradualTime).bitPattern)\n".utf8)
            }
        }
        input.append(0)
        input += body
        return "\"" + String(Bucketing.sha256Hex(input).prefix(32)) + "\""
    }

    /// Whether `If-None-Match` values hold `tag` or `*`, by the weak comparison RFC 9110 §13.1.2 prescribes
    /// (`W/"x"` matches `"x"`), in comma-separated lists.
    static func matches(_ tag: String, _ values: [String]) -> Bool {
        for var candidate in HeaderList.items(values) {
            if candidate == "*" { return true }
            if candidate.hasPrefix("W/") { candidate = candidate.dropFirst(2) }
            if candidate == tag[...] { return true }
        }
        return false
    }
}
