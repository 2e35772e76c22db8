import CurlHTTP
public import Secrets
import Telemetry
import SystemIO
#if canImport(Glibc)
import Glibc
#endif

/// Pushes a text exposition to a Prometheus Pushgateway, and deletes groups, over libcurl.
///
/// - `PUT` (``Method/put``) replaces every metric of the group; `POST` (``Method/post``) replaces only the families
///   the body carries; `DELETE` removes the group.
/// - Bodies are checked with ``PushBody/validate(_:)`` before they leave: HELP and TYPE for every family, LF line
///   ends, a final newline, no timestamps.
/// - Connection errors, timeouts and 5xx answers are retried by ``Configuration/retry``; a 4xx is not, and its body
///   (the gateway's reason) goes into the error.
///
/// Blocking (it waits for the network and between retries): call it off the cooperative thread pool.
public struct PushgatewayClient: Sendable {
    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// How to reach the gateway.
    public struct Configuration: Sendable, Hashable {
        /// The gateway's base URL, `http(s)://host:port[/prefix]`; may carry `user:password@`, which is never logged.
        public var url: String
        public var credentials: Credentials = .none
        /// Extra request headers (for example a tenant id for a gateway behind a proxy).
        public var headers: [Header] = []
        /// A PEM bundle to verify an https gateway with, instead of the system's.
        public var caFile: String?
        /// Seconds one attempt may take in all.
        public var timeout = 10.0
        /// Seconds one attempt may take to connect.
        public var connectTimeout = 5.0
        /// Sends the body gzip-compressed (`Content-Encoding: gzip`).
        public var gzip = false
        public var retry = RetryPolicy()
        /// The process environment, where credentials and header values from variables are read.
        public var variables: [String: String] = [:]

        public init(url: String) {
            self.url = url
        }

        /// The base URL without credentials, for messages.
        public var redactedURL: String { CurlHTTPClient.redacted(url) }

        /// Throws unless ``url`` is an http(s) URL without a query or a fragment.
        public func validate() throws(PushError) {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw PushError(
                    kind: .invalid, message: "gateway URL '\(redactedURL)' must start with http:// or https://",
                    attempts: 0)
            }
            guard !url.contains("?"), !url.contains("#") else {
                throw PushError(
                    kind: .invalid, message: "gateway URL '\(redactedURL)' must not have a query or a fragment",
                    attempts: 0)
            }
            let host = url.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).first ?? ""
            guard !host.isEmpty else {
                throw PushError(kind: .invalid, message: "gateway URL '\(redactedURL)' has no host", attempts: 0)
            }
        }
    }

    /// How the pusher authenticates; secrets are read at each push.
    public enum Credentials: Sendable, Hashable {
        case none
        /// HTTP basic auth.
        case basic(username: String, password: SecretValue)
        /// `Authorization: Bearer <token>`.
        case bearer(SecretValue)
    }

    /// One extra request header.
    public typealias Header = SecretHeader

    /// How a push treats the metrics already in the group.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Replaces the whole group.
        case put
        /// Replaces the families of the same name; others in the group stay.
        case post
    }

    /// Pushes `body` (a text exposition) to `group`.
    @discardableResult
    public func push(_ body: [UInt8], to group: PushGroup, method: Method = .put) throws(PushError) -> PushReport {
        do {
            try PushBody.validate(body)
        } catch {
            throw PushError(kind: .invalid, message: "not pushed: \(error.description)", attempts: 0)
        }
        var payload = body
        var headers: [(name: String, value: String)] = [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]
        if configuration.gzip {
            guard let compressed = Gzip.compress(body, level: 6) else {
                throw PushError(kind: .invalid, message: "not pushed: gzip compression failed", attempts: 0)
            }
            payload = compressed
            headers.append(("Content-Encoding", "gzip"))
        }
        return try send(method == .put ? .put : .post, group: group, body: payload, headers: headers)
    }

    /// Deletes `group` from the gateway.
    @discardableResult
    public func delete(_ group: PushGroup) throws(PushError) -> PushReport {
        try send(.delete, group: group, body: nil, headers: [])
    }

    private func send(
        _ method: CurlRequest.Method, group: PushGroup, body: [UInt8]?, headers: [(name: String, value: String)]
    ) throws(PushError) -> PushReport {
        try configuration.validate()
        let base = configuration.url.hasSuffix("/") ? String(configuration.url.dropLast()) : configuration.url
        let url = base + group.path
        let shownURL = CurlHTTPClient.redacted(url)
        var request = CurlRequest(url: url, method: method)
        request.body = body
        request.timeout = configuration.timeout
        request.connectTimeout = min(configuration.connectTimeout, configuration.timeout)
        request.caFile = configuration.caFile
        request.maximumResponseBytes = 64 * 1024
        request.headers = headers
        do {
            for header in configuration.headers {
                request.headers.append((header.name, try header.value.resolve(variables: configuration.variables)))
            }
            switch configuration.credentials {
            case .none: break
            case .basic(let username, let password):
                request.userPassword = username + ":" + (try password.resolve(variables: configuration.variables))
            case .bearer(let token):
                request.headers.append(("Authorization", "Bearer " + (try token.resolve(variables: configuration.variables))))
            }
        } catch {
            throw PushError(kind: .invalid, message: "not pushed to \(shownURL): \(error.message)", attempts: 0)
        }

        let started = SystemClock.monotonicSeconds()
        var attempt = 0
        var generator = SystemRandomNumberGenerator()
        while true {
            attempt += 1
            let failure: PushError
            switch Result(catching: { () throws(CurlError) in try CurlHTTPClient.perform(request) }) {
            case .success(let response) where (200..<300).contains(response.status):
                return PushReport(
                    status: response.status, attempts: attempt, durationSeconds: SystemClock.monotonicSeconds() - started)
            case .success(let response):
                let reason = Self.reason(from: response.text)
                let retried = response.status >= 500
                failure = PushError(
                    kind: .httpStatus,
                    message: "\(method.rawValue) \(shownURL): HTTP \(response.status)\(reason.isEmpty ? "" : ": " + reason)"
                        + (retried ? "" : " (not retried)"),
                    attempts: attempt, status: response.status)
                guard retried else { throw failure }
            case .failure(let error) where error.kind == .invalidRequest:
                // Nothing was sent and a retry cannot change that: bad input, not an unreachable gateway.
                throw PushError(kind: .invalid, message: "\(method.rawValue) \(shownURL): \(error.message)", attempts: 0)
            case .failure(let error):
                let kind: PushError.Kind =
                    switch error.kind {
                    case .timeout: .timeout
                    case .tooLarge: .httpStatus  // it answered, with more than any gateway sends: not "unreachable"
                    case .connection, .local, .invalidRequest: .connection
                    }
                let detail =
                    error.kind == .tooLarge
                    ? "the gateway answered with a response larger than \(request.maximumResponseBytes) bytes"
                    : Self.strippingURL(error.message, url: shownURL)
                failure = PushError(kind: kind, message: "\(method.rawValue) \(shownURL): \(detail)", attempts: attempt)
            }
            guard attempt <= configuration.retry.retries else {
                var final = failure
                final.message += " (gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"))"
                throw final
            }
            let wait = configuration.retry.backoff(beforeRetry: attempt, random: Double.random(in: 0..<1, using: &generator))
            ThreadSleep.sleep(seconds: wait)
        }
    }

    /// The gateway's reason: the body on one line, at most 1,000 characters.
    static func reason(from body: String) -> String {
        let oneLine = body.map { $0.isNewline ? " " : $0 }
        var text = String(oneLine.prefix(1000))
        while text.last == " " { text.removeLast() }
        while text.first == " " { text.removeFirst() }
        return text
    }

    /// libcurl's message starts with the URL; the error adds it already.
    static func strippingURL(_ message: String, url: String) -> String {
        message.hasPrefix(url + ": ") ? String(message.dropFirst(url.count + 2)) : message
    }
}

/// A push or delete the gateway accepted.
public struct PushReport: Sendable, Hashable {
    /// The HTTP status (200 for a push, 202 for a delete on current gateways).
    public var status: Int
    /// 1 unless earlier attempts failed and were retried.
    public var attempts: Int
    /// Seconds from the first attempt to the answer, waits between retries included.
    public var durationSeconds: Double
}

/// A push or delete that did not go through.
public struct PushError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Refused, reset or unresolvable: the gateway is unreachable.
        case connection
        /// The attempt took longer than its timeout.
        case timeout
        /// The gateway answered with a status other than 2xx.
        case httpStatus = "http_status"
        /// Nothing was sent: an invalid URL, body or credential.
        case invalid
    }

    /// The `error_type` of `feature_flag_push_failure_total`.
    public var kind: Kind
    /// What went wrong, with the URL (never with credentials) and, for a refusal, the gateway's reason.
    public var message: String
    /// Attempts made (0 when nothing was sent).
    public var attempts: Int
    /// The last HTTP status, for ``Kind/httpStatus``.
    public var status: Int?

    public init(kind: Kind, message: String, attempts: Int, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.attempts = attempts
        self.status = status
    }

    public var description: String { message }
}
