public import Hummingbird
public import WireFormat

/// An OFREP request refused: renders its own response, in OFREP's error shape (Hummingbird's `HTTPResponseError`).
public struct OFREPError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var failure: OFREP.Failure
    /// Seconds for `Retry-After` (429, 503).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, key: String?, code: OFREP.ErrorCode, details: String, retryAfter: Int? = nil) {
        self.status = status
        failure = OFREP.Failure(key: key, code: code, details: details)
        self.retryAfter = retryAfter
    }

    public init(_ status: HTTPResponse.Status, _ failure: OFREP.Failure) {
        self.status = status
        self.failure = failure
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The response: the failure as JSON, `Retry-After` when set.
    public var response: Response {
        let body = failure.json
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
