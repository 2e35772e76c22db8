@testable import Exporter
import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Telemetry
import Testing

/// The server's guards in process: a connection's pipeline exactly as `GuardedHTTPChannel` sets it up (deadline, the
/// HTTP/1.1 codec, the limit handler), on swift-nio's test channel, with raw bytes in and raw bytes out and the test
/// loop's clock moved by hand. No process, no socket, no sleeping. The end-to-end suites (HostileInputTests,
/// SecurityTests) keep what needs a kernel: real sockets, TLS, signals.
@Suite("The server's guards, in process")
struct GuardTests {
    /// One test connection through a guarded pipeline, served by the channel's own `handle` as the server serves it
    /// (the asynchronous channel the setup returns must be consumed and finished).
    struct Connection {
        let channel: NIOAsyncTestingChannel
        let serving: Task<Void, Never>
        /// Set when the server's handling of the connection has ended.
        let served: Served

        final class Served: Sendable {
            private let flag = Atomic<Bool>(false)
            var value: Bool { flag.load(ordering: .acquiring) }
            func set() { flag.store(true, ordering: .releasing) }
        }

        static func open(_ guarded: GuardedHTTPChannel, on loop: NIOAsyncTestingEventLoop = NIOAsyncTestingEventLoop()) async throws -> Connection {
            let channel = NIOAsyncTestingChannel(loop: loop)
            let logger = Logger(label: "guard-test")
            let value = try await channel.eventLoop.flatSubmit { guarded.setup(channel: channel, logger: logger) }.get()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9_100))
            let served = Served()
            let serving = Task {
                await guarded.handle(value: value, logger: logger)
                served.set()
            }
            return Connection(channel: channel, serving: serving, served: served)
        }

        /// Closes the connection if the server has not, and waits (in real time, at most ten seconds) for its
        /// handling to end. The test loop runs its queued work only when driven, and the handling's last steps may
        /// be queued there, so the loop is driven while waiting.
        func finish() async {
            if channel.isActive { try? await channel.close() }
            for _ in 0..<10_000 where !served.value {
                await channel.testingEventLoop.run()
                try? await Task.sleep(for: .milliseconds(1))
            }
            if served.value { await serving.value } else { Issue.record("the server's handling of the connection did not end") }
        }

        func send(_ text: String) async throws {
            try await channel.writeInbound(ByteBuffer(string: text))
        }

        /// Everything the server wrote so far, as text.
        func written() async throws -> String {
            var text = ""
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }

        var isOpen: Bool { get async { channel.isActive } }

        /// Sends a whole request and waits (in real time, at most five seconds) until its answer has been written.
        func exchange(_ request: String) async throws -> String {
            try await send(request)
            var text = ""
            for _ in 0..<500 where !text.hasSuffix("\r\n\r\n") {
                await channel.testingEventLoop.run()
                text += try await written()
                if !text.hasSuffix("\r\n\r\n") { try await Task.sleep(for: .milliseconds(10)) }
            }
            return text
        }
    }

    /// A guarded channel whose routes answer every request `200 OK` with an empty body.
    static func answering(_ metrics: HTTPMetrics, _ configure: (inout HTTPLimits) -> Void = { _ in }) -> GuardedHTTPChannel {
        var limits = HTTPLimits()
        configure(&limits)
        return GuardedHTTPChannel(
            responder: { _, writer, _ in
                var head = HTTPResponse(status: .ok)
                head.headerFields[.contentLength] = "0"
                try await writer.writeResponse(head)
            },
            limits: limits, webConfig: nil, metrics: metrics)
    }

    /// A guarded channel whose responder is never reached by what these tests send (every request is refused
    /// before it), with `limits` changed by `configure`.
    static func guarded(_ metrics: HTTPMetrics, _ configure: (inout HTTPLimits) -> Void = { _ in }) -> GuardedHTTPChannel {
        var limits = HTTPLimits()
        configure(&limits)
        return GuardedHTTPChannel(
            responder: { _, _, _ in Issue.record("a refused request reached the routes") },
            limits: limits, webConfig: nil, metrics: metrics)
    }

    /// `feature_flag_exporter_http_refused_total{reason}` as the registry renders it.
    static func refused(_ telemetry: ExporterTelemetry, _ reason: HTTPRefusalReason) -> Double? {
        let text = String(decoding: telemetry.render(now: 0), as: UTF8.self)
        let prefix = "feature_flag_exporter_http_refused_total{reason=\"\(reason.rawValue)\"} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    static func telemetry() -> ExporterTelemetry {
        ExporterTelemetry(version: "test", revision: "r", swiftVersion: "6.3")
    }

    @Test("a request target over --web.max-header-bytes is 431 (the codec counts it with the header fields), counted, and the connection closes")
    func targetTooLong() async throws {
        let telemetry = Self.telemetry()
        let connection = try await Connection.open(Self.guarded(telemetry.http) { $0.maximumHeaderBytes = 64 })
        try await connection.send("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = try await connection.written()
        #expect(answer.hasPrefix("HTTP/1.1 431 "), "\(answer)")
        #expect(answer.hasSuffix("The request line and header fields are over 64 bytes.\n"))
        #expect(Self.refused(telemetry, .headerTooLarge) == 1)
        #expect(await !connection.isOpen)
        await connection.finish()
    }

    @Test("header fields over --web.max-header-bytes are 431, counted, and the connection closes")
    func headersTooLarge() async throws {
        let telemetry = Self.telemetry()
        let connection = try await Connection.open(Self.guarded(telemetry.http) { $0.maximumHeaderBytes = 256 })
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: \(String(repeating: "b", count: 400))\r\n\r\n")
        let answer = try await connection.written()
        #expect(answer.hasPrefix("HTTP/1.1 431 "), "\(answer)")
        #expect(answer.hasSuffix("The request line and header fields are over 256 bytes.\n"))
        #expect(Self.refused(telemetry, .headerTooLarge) == 1)
        #expect(await !connection.isOpen)
        await connection.finish()
    }

    @Test("bytes that are not HTTP/1.1 are 400, counted as malformed, and the connection closes")
    func notHTTP() async throws {
        let telemetry = Self.telemetry()
        let connection = try await Connection.open(Self.guarded(telemetry.http))
        try await connection.send("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03} not a request\r\n\r\n")
        let answer = try await connection.written()
        #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(answer)")
        #expect(answer.hasSuffix("Not an HTTP/1.1 request.\n"))
        #expect(Self.refused(telemetry, .malformed) == 1)
        #expect(await !connection.isOpen)
        await connection.finish()
    }

    @Test("a request not read in full within --web.read-timeout is cut off and counted; the clock starts at open")
    func slowRequest() async throws {
        let telemetry = Self.telemetry()
        let connection = try await Connection.open(Self.guarded(telemetry.http) { $0.readTimeout = 5 })
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\n")
        await connection.channel.testingEventLoop.advanceTime(by: .seconds(4))
        #expect(await connection.isOpen, "cut off before the timeout")
        #expect(Self.refused(telemetry, .readTimeout) == 0)
        await connection.channel.testingEventLoop.advanceTime(by: .seconds(2))
        #expect(await !connection.isOpen)
        #expect(Self.refused(telemetry, .readTimeout) == 1)
        #expect(Self.refused(telemetry, .malformed) == 0, "a cut-off request is a timeout, not also malformed")
        let written = try await connection.written()
        #expect(written.isEmpty, "a cut-off connection gets no answer: \(written.debugDescription)")
        await connection.finish()
    }

    @Test("the read clock restarts at each request's first byte: a slow second request on a keep-alive connection is cut off a read timeout after it began, not after the first")
    func slowSecondRequest() async throws {
        let telemetry = Self.telemetry()
        let connection = try await Connection.open(Self.answering(telemetry.http) { $0.readTimeout = 5 })
        let loop = connection.channel.testingEventLoop
        let first = try await connection.exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(first.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(first)")
        await loop.advanceTime(by: .seconds(3))
        try await connection.send("GET /b HTTP/1.1\r\nHost: x\r\n")
        // The timer armed at open fires at 5 s; the second request began at 3 s, so it is in time until 8 s.
        await loop.advanceTime(by: .milliseconds(4_500))
        #expect(await connection.isOpen, "cut off by the first request's deadline")
        #expect(Self.refused(telemetry, .readTimeout) == 0)
        await loop.advanceTime(by: .seconds(1))
        #expect(await !connection.isOpen, "not cut off at the second request's own deadline")
        #expect(Self.refused(telemetry, .readTimeout) == 1)
        await connection.finish()
    }

    @Test("a keep-alive connection waiting between requests is never cut off by the read timeout")
    func idleBetweenRequests() async throws {
        let telemetry = Self.telemetry()
        let connection = try await Connection.open(Self.answering(telemetry.http) { $0.readTimeout = 5 })
        for _ in 0..<3 {
            let answer = try await connection.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(answer)")
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(7))
            #expect(await connection.isOpen)
        }
        #expect(Self.refused(telemetry, .readTimeout) == 0)
        await connection.finish()
    }

    @Test("at --web.max-connections a newcomer closes the connection idle longest (at least a second) and is served; busy and briefly idle ones stay")
    func idleEviction() async throws {
        let telemetry = Self.telemetry()
        let guarded = Self.answering(telemetry.http) { $0.maximumConnections = 3 }
        let loop = NIOAsyncTestingEventLoop()
        let busy = try await Connection.open(guarded, on: loop)
        let longIdle = try await Connection.open(guarded, on: loop)
        let shortIdle = try await Connection.open(guarded, on: loop)
        // `busy` is idle longest of all until its next request begins, which makes it busy again.
        _ = try await busy.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await loop.advanceTime(by: .milliseconds(200))
        _ = try await longIdle.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await loop.advanceTime(by: .seconds(2))
        _ = try await shortIdle.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await loop.advanceTime(by: .milliseconds(500))
        try await busy.send("GET / HTTP/1.1\r\nHost: x\r\n")

        let newcomer = try await Connection.open(guarded, on: loop)
        #expect(await !longIdle.isOpen, "the connection idle 2.5 s makes room")
        #expect(await shortIdle.isOpen, "idle only 0.5 s: kept")
        #expect(await busy.isOpen, "in the middle of a request: kept")
        #expect(Self.refused(telemetry, .idleEvicted) == 1)
        #expect(Self.refused(telemetry, .connectionLimit) == 0)
        let answer = try await newcomer.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(answer)")

        // Now nobody has been idle a second: the next newcomer is refused.
        let refused = try await Connection.open(guarded, on: loop)
        #expect(try await refused.written().hasPrefix("HTTP/1.1 503 "))
        #expect(Self.refused(telemetry, .connectionLimit) == 1)
        for connection in [busy, longIdle, shortIdle, newcomer, refused] { await connection.finish() }
    }

    @Test("over --web.max-connections a new connection is answered 503 with Retry-After and closed; the others stay")
    func connectionCap() async throws {
        let telemetry = Self.telemetry()
        let guarded = Self.guarded(telemetry.http) { $0.maximumConnections = 1 }
        let first = try await Connection.open(guarded)
        let second = try await Connection.open(guarded)
        let answer = try await second.written()
        #expect(answer.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(answer)")
        #expect(answer.contains("Retry-After: 1\r\n"))
        #expect(await !second.isOpen)
        #expect(await first.isOpen, "the connection already open is kept: it is busy, not idle")
        #expect(Self.refused(telemetry, .connectionLimit) == 1)
        await second.finish()
        await first.finish()
    }
}
