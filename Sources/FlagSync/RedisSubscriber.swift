internal import CHiredis
import Synchronization
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// A Redis endpoint: `redis://[[user]:password@]host[:port][/db]`.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?

    public init(parsing url: String) throws(ConfigSourceError) {
        guard url.hasPrefix("redis://") else {
            throw ConfigSourceError(source: url, message: "a Redis URL starts with redis://")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }  // the db does not matter to pub/sub
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                self.user = user.isEmpty ? nil : String(user)
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                password = String(credentials)
            }
        }
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let port = Int(rest[rest.index(after: colon)...]), port > 0, port < 65_536 else {
                throw ConfigSourceError(source: url, message: "bad port")
            }
            self.port = port
            rest = rest[..<colon]
        } else {
            port = 6379
        }
        if rest.hasPrefix("[") && rest.hasSuffix("]") { rest = rest.dropFirst().dropLast() }
        guard !rest.isEmpty else { throw ConfigSourceError(source: url, message: "no host") }
        host = String(rest)
    }

    /// `redis://host:port`, without credentials.
    public var description: String { "redis://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// What the subscriber reports.
public enum RedisSubscriberEvent: Sendable {
    /// Subscribed (again); `attempt` is 0 for the first connection.
    case subscribed(attempt: Int)
    /// A message on the channel.
    case message
    /// The connection failed or dropped; the next attempt is in `retryIn` seconds.
    case disconnected(error: String, retryIn: Double)
}

/// SUBSCRIBE to one channel through hiredis on its own thread, reconnecting with capped exponential backoff
/// (0.5 s doubling to 30 s) for as long as it runs.
public final class RedisSubscriber: Sendable {
    public let endpoint: RedisEndpoint
    public let channel: String
    private let running = RunFlag()
    public static let initialBackoff = 0.5
    public static let maximumBackoff = 30.0

    public init(endpoint: RedisEndpoint, channel: String, onEvent: @escaping @Sendable (RedisSubscriberEvent) -> Void) {
        self.endpoint = endpoint
        self.channel = channel
        let running = self.running
        BackgroundThread.start {
            Self.loop(endpoint: endpoint, channel: channel, running: running, onEvent: onEvent)
        }
    }

    /// Stops the subscriber (its thread ends within about 250 ms).
    public func stop() { running.stop() }

    deinit { stop() }

    private static func loop(
        endpoint: RedisEndpoint, channel: String, running: RunFlag,
        onEvent: @Sendable (RedisSubscriberEvent) -> Void
    ) {
        var attempt = 0
        var backoff = initialBackoff
        while running.isRunning {
            let error = session(endpoint: endpoint, channel: channel, running: running) {
                onEvent(.subscribed(attempt: attempt))
                backoff = initialBackoff
            } onMessage: {
                onEvent(.message)
            }
            guard running.isRunning else { return }
            // Full jitter on top of the doubling, so many exporters do not reconnect at the same instant.
            let wait = backoff * (0.5 + Double.random(in: 0..<0.5))
            onEvent(.disconnected(error: error, retryIn: wait))
            guard ThreadSleep.sleep(wait, while: { running.isRunning }) else { return }
            backoff = min(maximumBackoff, backoff * 2)
            attempt += 1
        }
    }

    /// The most reply bytes held unparsed: a message (or a backlog of them) larger than this ends the connection.
    public static let maximumBufferedBytes = 1 << 20

    /// One connection: connect, authenticate, subscribe, read messages until an error or stop. Returns the error.
    private static func session(
        endpoint: RedisEndpoint, channel: String, running: RunFlag, onSubscribed: () -> Void,
        onMessage: () -> Void
    ) -> String {
        guard let context = chiredis_connect(endpoint.host, Int32(endpoint.port), 2000) else { return "out of memory" }
        defer { redisFree(context) }
        if chiredis_error(context) != 0 {
            return "\(endpoint): \(String(cString: chiredis_error_text(context)))"
        }
        redisEnableKeepAlive(context)
        chiredis_set_timeout(context, 2000)
        if let password = endpoint.password {
            let arguments = endpoint.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            guard let reply = command(context, arguments) else { return "\(endpoint): \(errorText(context))" }
            defer { freeReplyObject(reply) }
            if reply.pointee.type == REDIS_REPLY_ERROR { return "\(endpoint): AUTH refused" }
        }
        guard let reply = command(context, ["SUBSCRIBE", channel]) else { return "\(endpoint): \(errorText(context))" }
        let subscribed = reply.pointee.type == REDIS_REPLY_ARRAY
        freeReplyObject(reply)
        guard subscribed else { return "\(endpoint): SUBSCRIBE refused" }
        onSubscribed()
        let descriptor = chiredis_fd(context)
        while running.isRunning {
            // Take every reply already buffered, then wait (in poll, so stop is seen) for more bytes.
            var pending: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &pending) == REDIS_OK else { return "\(endpoint): \(errorText(context))" }
            if let pending {
                let reply = pending.assumingMemoryBound(to: redisReply.self)
                if isMessage(reply) { onMessage() }
                freeReplyObject(reply)
                continue
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 250)
            if ready < 0 && errno != EINTR { return "\(endpoint): poll: \(String(cString: strerror(errno)))" }
            if ready > 0 {
                guard redisBufferRead(context) == REDIS_OK else { return "\(endpoint): \(errorText(context))" }
                // A change notice is a few bytes; a server sending far more (one huge message, or a flood faster
                // than it is read) is cut off rather than buffered without bound.
                if chiredis_buffered_bytes(context) > Self.maximumBufferedBytes {
                    return "\(endpoint): more than \(Self.maximumBufferedBytes) bytes of unread replies; disconnected"
                }
            }
        }
        return "stopped"
    }

    private static func command(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [String])
        -> UnsafeMutablePointer<redisReply>?
    {
        let cStrings = arguments.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer($0) }
        var lengths = arguments.map { $0.utf8.count }
        let raw = pointers.withUnsafeMutableBufferPointer { pointerBuffer in
            lengths.withUnsafeMutableBufferPointer { lengthBuffer in
                redisCommandArgv(context, Int32(arguments.count), pointerBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
        return raw?.assumingMemoryBound(to: redisReply.self)
    }

    private static func isMessage(_ reply: UnsafeMutablePointer<redisReply>) -> Bool {
        guard reply.pointee.type == REDIS_REPLY_ARRAY, reply.pointee.elements >= 3,
            let first = reply.pointee.element[0], first.pointee.type == REDIS_REPLY_STRING
        else { return false }
        let kind = String(cString: first.pointee.str)
        return kind == "message"
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = String(cString: chiredis_error_text(context))
        return text.isEmpty ? "connection closed" : text
    }
}
