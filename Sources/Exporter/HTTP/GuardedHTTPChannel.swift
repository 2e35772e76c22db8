import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOSSL
import Telemetry

/// Hummingbird's HTTP/1.1 child channel with the exporter's guards in front of it: the connection cap, TLS from
/// `--web.config.file` (the configuration last read; ``WebConfigWatcher`` reads the files when they change, never the
/// event loop setting up a connection), the request read timeout, the header size limit, and a
/// counted refusal for each.
///
/// The pipeline of one connection, from the socket in:
/// `RequestReadDeadline` → `NIOSSLServerHandler` (TLS only) → Hummingbird's HTTP/1.1 codec →
/// `RequestLimitHandler` → Hummingbird's request handling.
struct GuardedHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let limits: HTTPLimits
    let gate: ConnectionGate
    let webConfig: WebConfigReloader?
    let metrics: HTTPMetrics

    var responder: HTTPChannelHandler.Responder { base.responder }

    init(
        responder: @escaping HTTPChannelHandler.Responder, limits: HTTPLimits, webConfig: WebConfigReloader?,
        metrics: HTTPMetrics
    ) {
        let gate = ConnectionGate(maximum: limits.maximumConnections, metrics: metrics)
        var configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                RequestLimitHandler(maximumHeaderBytes: limits.maximumHeaderBytes, metrics: metrics)
            ],
            idleTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9)))
        configuration.httpDecoder = .init(
            maxHeaderFieldSize: limits.maximumHeaderBytes, maxHeaderListSize: limits.maximumHeaderBytes,
            maxHeaderFieldCount: 1000)
        base = HTTP1Channel(responder: responder, configuration: configuration)
        self.limits = limits
        self.webConfig = webConfig
        self.metrics = metrics
        self.gate = gate
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // A failed setup would end Hummingbird's accept loop, so nothing here fails: an over-cap connection is set up
        // like any other and refused (503 on plain HTTP, then closed) as soon as it becomes active.
        let (admitted, activity) = gate.open(channel)
        channel.closeFuture.whenComplete { [gate] _ in gate.close(channel) }
        let tls = webConfig?.latest.tls
        let readTimeout = TimeAmount.nanoseconds(Int64(limits.readTimeout * 1e9))
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if !admitted {
                metrics.recordRefused(.connectionLimit)
                try pipeline.addHandler(OverCapacityRefusal(plainHTTP: tls == nil))
            }
            try pipeline.addHandler(RequestReadDeadline(timeout: readTimeout, metrics: metrics, activity: activity))
            if let tls {
                try pipeline.addHandler(
                    NIOSSLServerHandler(
                        context: tls.context,
                        customVerificationCallback: tls.acceptAnyCertificate ? { _, promise in promise.succeed(.certificateVerified) } : nil,
                        configuration: .init()))
            }
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Answers an over-cap connection with a 503 (on plain HTTP; on TLS there is nothing to say it in) and closes it.
final class OverCapacityRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let plainHTTP: Bool

    init(plainHTTP: Bool) { self.plainHTTP = plainHTTP }

    func channelActive(context: ChannelHandlerContext) {
        guard plainHTTP else {
            context.close(promise: nil)
            return
        }
        let body = "Too many open connections; try again later.\n"
        let response =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
            + "\(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Nothing from a refused connection reaches the HTTP handlers.
    }
}

/// Cuts off a connection whose request is not read in full within the read timeout (slowloris).
///
/// First in the pipeline, so it sees raw bytes: the clock starts when the connection opens and at the first byte of
/// each later request (a TLS handshake counts as part of the first), and stops when ``RequestLimitHandler`` sees the
/// request's end. A keep-alive connection waiting between requests is the idle timeout's business, not this one's.
///
/// One timer per connection, not one per request: a request's end only clears ``requestStart``. When the timer fires
/// it cuts off a request that has run out of time, re-arms itself for the one in progress (at that request's own
/// deadline), and lapses when none is; the next request arms it again. A connection serving thousands of requests a
/// second so schedules at most one timer per timeout.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let timeout: TimeAmount
    private let metrics: HTTPMetrics
    /// The connection's busy/idle record for ``ConnectionGate``: busy from a request's first byte.
    let activity: ConnectionActivity
    /// When the request being read began (the event loop's clock), or nil between requests.
    private var requestStart: NIODeadline?
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, metrics: HTTPMetrics, activity: ConnectionActivity) {
        self.timeout = timeout
        self.metrics = metrics
        self.activity = activity
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestStart == nil { begin(context) }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    /// The request in progress was read in full: the clock stops until the next one's first byte.
    func requestCompleted() {
        requestStart = nil
    }

    private func stop() {
        requestStart = nil
        timer?.cancel()
        timer = nil
    }

    private func begin(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let now = context.eventLoop.now
        requestStart = now
        activity.markBusy()
        if timer == nil { arm(context, at: now + timeout) }
    }

    private func arm(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            guard let start = requestStart else { return }
            let due = start + timeout
            guard context.eventLoop.now >= due else {
                arm(context, at: due)
                return
            }
            requestStart = nil
            metrics.recordRefused(.readTimeout)
            context.close(promise: nil)
        }
    }
}

/// After the HTTP/1.1 codec: stops the read clock at each request's end and turns the codec's refusals into answers:
/// a request line and header fields over the limit (431; the codec counts the target with the fields, as Go's
/// net/http does, so a long target is a 431 too) and bytes that are not HTTP (400). A failed TLS handshake is counted
/// here too. Each refusal closes the connection; a connection that ends inside a request gets no answer.
final class RequestLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maximumHeaderBytes: Int
    private let metrics: HTTPMetrics
    private weak var deadline: RequestReadDeadline?
    private var sawRequest = false
    private var refused = false

    init(maximumHeaderBytes: Int, metrics: HTTPMetrics) {
        self.maximumHeaderBytes = maximumHeaderBytes
        self.metrics = metrics
    }

    /// A response's end makes the connection idle (until its next request's first byte, which `RequestReadDeadline`
    /// sees).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { deadline?.activity.markIdle(at: context.eventLoop.now) }
        context.write(data, promise: promise)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = try? context.pipeline.syncOperations.handler(type: RequestReadDeadline.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let part = unwrapInboundIn(data)
        switch part {
        case .head:
            sawRequest = true
        case .end:
            deadline?.requestCompleted()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError {
            // The connection ended inside a request: cut off by the read deadline (already counted as
            // `read_timeout`) or closed by the client. There is no one to answer and nothing malformed to count.
            guard context.channel.isActive, parserError != .invalidEOFState else {
                context.close(promise: nil)
                return
            }
            if parserError == .headerOverflow {
                refuse(
                    context, .requestHeaderFieldsTooLarge, reason: .headerTooLarge,
                    "The request line and header fields are over \(maximumHeaderBytes) bytes.\n")
            } else {
                refuse(context, .badRequest, reason: .malformed, "Not an HTTP/1.1 request.\n")
            }
            return
        }
        if !sawRequest, error is NIOSSLError || error is BoringSSLError {
            if case .uncleanShutdown = error as? NIOSSLError {
                context.fireErrorCaught(error)
                return
            }
            metrics.recordRefused(.tlsHandshake)
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
    }

    private func refuse(
        _ context: ChannelHandlerContext, _ status: HTTPResponse.Status, reason: HTTPRefusalReason, _ message: String
    ) {
        guard !refused else { return }
        refused = true
        metrics.recordRefused(reason)
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "text/plain; charset=utf-8"
        head.headerFields[.contentLength] = String(message.utf8.count)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(string: message))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
