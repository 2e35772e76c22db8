@testable import Exporter
import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
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

        static func open(_ guarded: GuardedHTTPChannel) async throws -> Connection {
            let channel = NIOAsyncTestingChannel()
            let logger = Logger(label: "guard-test")
            let value = try await channel.eventLoop.flatSubmit { guarded.setup(channel: channel, logger: logger) }.get()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9_100))
            let serving = Task { await guarded.handle(value: value, logger: logger) }
            return Connection(channel: channel, serving: serving)
        }

        /// Closes the connection if the server has not, and waits for its handling to end.
        func finish() async {
            if await channel.isActive { try? await channel.close() }
            await serving.value
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

        var isOpen: Bool { get async { await channel.isActive } }
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
