import Secrets
import CurlHTTP
import FlagConfig
import Settings
@testable import FlagSync
import Foundation
import Pushgateway
import Testing

/// A one-thread HTTP server on a raw socket that records every request's bytes exactly as they arrived and answers
/// from a script, one response per connection.
final class RawHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let recorder = Recorder()
    private let thread: Thread

    /// The requests seen so far, behind a lock.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var captured: [[UInt8]] = []
        func record(_ request: [UInt8]) { lock.withLock { captured.append(request) } }
        var requests: [[UInt8]] { lock.withLock { captured } }
    }

    /// `respond` gets the request's bytes and returns the whole response.
    init(respond: @escaping @Sendable ([UInt8]) -> String) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw TestFailure("cannot listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let recorder = recorder
        thread = Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    // Stopped: the listener is closed here, by the only thread that uses it, so its descriptor
                    // number cannot be reused by another test's socket while this loop could still accept on it.
                    close(listener)
                    return
                }
                var request: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                // Read until the header block ends, then a little longer: stray bytes after it must be seen too.
                while true {
                    let count = recv(connection, &buffer, buffer.count, 0)
                    if count <= 0 { break }
                    request += buffer[0..<count]
                    if let end = request.firstRange(of: Array("\r\n\r\n".utf8)) {
                        var linger = timeval(tv_sec: 0, tv_usec: 200_000)
                        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &linger, socklen_t(MemoryLayout<timeval>.size))
                        let more = recv(connection, &buffer, buffer.count, 0)
                        if more > 0 { request += buffer[0..<more] }
                        _ = end
                        break
                    }
                }
                recorder.record(request)
                let response = Array(respond(request).utf8)
                _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(connection)
            }
        }
        thread.start()
    }

    var requests: [[UInt8]] { recorder.requests }

    /// Stops accepting: `accept` fails from now on and the server's thread closes the listener. (Closing it here
    /// let a thread still busy answering loop back and accept on whatever socket reused the descriptor number:
    /// another test's server, which then got this one's answer.)
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Bytes on the wire: what the HTTP source sends")
struct WireTests {
    /// Every header line of a request is `name: value` with no CR or LF inside, and exactly one blank line ends it.
    static func checkWellFormed(_ request: [UInt8]) {
        let text = String(decoding: request, as: UTF8.self)
        #expect(text.hasSuffix("\r\n\r\n"), "request does not end with one blank line: \(text.debugDescription)")
        #expect(!text.hasSuffix("\r\n\r\n\r\n"), "a stray blank line follows the headers: \(text.debugDescription)")
        let head = text.dropLast(4)
        let lines = head.components(separatedBy: "\r\n")
        #expect(lines.first?.hasPrefix("GET ") == true)
        for line in lines.dropFirst() {
            #expect(!line.isEmpty, "an empty line inside the header block: \(text.debugDescription)")
            #expect(!line.contains("\r") && !line.contains("\n"), "a bare CR or LF in \(line.debugDescription)")
            #expect(line.firstIndex(of: ":") != nil, "not a header line: \(line.debugDescription)")
        }
    }

    @Test("the second request echoes the ETag in If-None-Match exactly, with every header well-formed and one blank line")
    func ifNoneMatchBytes() throws {
        let server = try RawHTTPServer { request in
            let text = String(decoding: request, as: UTF8.self)
            if text.contains("If-None-Match") { return "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 0\r\n\r\n" }
            return "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: 9\r\n\r\nflags: {}"
        }
        defer { server.stop() }
        var options = ExporterSettings.Source()
        options.overlay = .none
        options.headers = [ExporterSettings.Header(name: "X-Team", value: .literal("platform"))]
        let fetcher = SourceFetcher(
            source: .http(url: "http://127.0.0.1:\(server.port)/flags.yaml"), environment: "production", options: options,
            variables: [:])
        guard case .fetched(let first) = try fetcher.fetch(validator: nil) else {
            Issue.record("the first fetch was not a 200")
            return
        }
        #expect(first.validator?.base == "\"v1\"")
        guard case .notModified = try fetcher.fetch(validator: first.validator) else {
            Issue.record("the second fetch was not a 304")
            return
        }
        let requests = server.requests
        try #require(requests.count == 2)
        for request in requests { Self.checkWellFormed(request) }
        let second = String(decoding: requests[1], as: UTF8.self)
        #expect(second.contains("\r\nIf-None-Match: \"v1\"\r\n"))
        #expect(second.contains("\r\nX-Team: platform\r\n"))
    }

    @Test("a CR or LF in a header value or the URL is refused before anything is sent", arguments: [
        ("X-A", "b\r\nX-Injected: 1", "header X-A contains a carriage return (CR); it was not sent"),
        ("X-A", "b\nX-Injected: 1", "header X-A contains a line feed (LF); it was not sent"),
        ("X-A", "b\u{0}c", "header X-A contains a NUL byte; it was not sent"),
        ("X A", "b", "header name 'X A' is not a valid HTTP field name"),
    ])
    func injection(name: String, value: String, message: String) throws {
        let server = try RawHTTPServer { _ in "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" }
        defer { server.stop() }
        var request = CurlRequest(url: "http://127.0.0.1:\(server.port)/")
        request.headers = [(name, value)]
        #expect {
            try CurlHTTPClient.perform(request)
        } throws: { error in
            (error as? CurlError)?.kind == .invalidRequest && (error as? CurlError)?.message == message
        }
        var bad = CurlRequest(url: "http://127.0.0.1:\(server.port)/\r\nX-Injected: 1")
        bad.headers = []
        #expect(throws: CurlError.self) { try CurlHTTPClient.perform(bad) }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(server.requests.isEmpty)
    }

    @Test("a gateway answering 200 with an enormous body is named as such, not as unreachable, and not retried forever")
    func enormousGatewayAnswer() throws {
        // Claims 4 GiB, sends 1 MiB of it and closes.
        let server = try RawHTTPServer { _ in
            "HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n" + String(repeating: "x", count: 1 << 20)
        }
        defer { server.stop() }
        var configuration = PushgatewayClient.Configuration(url: "http://127.0.0.1:\(server.port)")
        configuration.retry = RetryPolicy(retries: 0)
        let client = PushgatewayClient(configuration: configuration)
        #expect {
            try client.push(Array("# HELP up Up.\n# TYPE up gauge\nup 1\n".utf8), to: try PushGroup(job: "wire"))
        } throws: { error in
            guard let error = error as? PushError else { return false }
            return error.kind == .httpStatus
                && error.message.contains("the gateway answered with a response larger than 65536 bytes")
                && !error.message.contains("unreachable")
        }
    }

    @Test("overlays sit beside the base under the same naming rule, for every kind of source")
    func overlayNaming() throws {
        #expect(ConfigSource.file(path: "config/feature_flags.yaml").overlay(for: "production")
            == .file(path: "config/feature_flags_production.yaml"))
        #expect(ConfigSource.http(url: "https://store/p/feature_flags.yaml?token=x").overlay(for: "staging")
            == .http(url: "https://store/p/feature_flags_staging.yaml?token=x"))
        #expect(ConfigSource.ssm(parameter: "/prod/flags", region: "eu-west-1").overlay(for: "production")
            == .ssm(parameter: "/prod/flags_production", region: "eu-west-1"))
    }

    @Test("an HTTP base and its overlay each carry their own ETag; a 404 overlay is 'none' and a later one is picked up")
    func overlayValidators() throws {
        let state = OverlayState()
        let server = try RawHTTPServer { request in
            let text = String(decoding: request, as: UTF8.self)
            let overlay = text.hasPrefix("GET /flags_production.yaml ")
            if overlay && !state.overlayPresent { return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" }
            let tag = overlay ? "\"o1\"" : "\"b1\""
            if text.contains("If-None-Match: \(tag)\r\n") { return "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n" }
            let body = overlay ? "global_rollout_percentage: 10\n" : "flags: {}\n"
            return "HTTP/1.1 200 OK\r\nETag: \(tag)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        defer { server.stop() }
        let fetcher = SourceFetcher(
            source: .http(url: "http://127.0.0.1:\(server.port)/flags.yaml"), environment: "production",
            options: ExporterSettings.Source(), variables: [:], environmentIsExplicit: true)
        guard case .fetched(let first) = try fetcher.fetch(validator: nil) else { throw TestFailure("no first fetch") }
        #expect(first.overlay == nil)
        #expect(first.validator == FetchValidator(base: "\"b1\"", overlay: nil, overlayAbsent: true))
        #expect(first.overlayLookup == "http://127.0.0.1:\(server.port)/flags_production.yaml")
        // Named explicitly, with no overlay and no section: refused, naming where the overlay was looked for.
        let unknown = fetcher.unknownEnvironmentError(first, sections: [])
        #expect(unknown?.description.contains("environment 'production' is not known") == true)
        guard case .notModified = try fetcher.fetch(validator: first.validator) else { throw TestFailure("not a 304") }

        state.overlayPresent = true
        guard case .fetched(let second) = try fetcher.fetch(validator: first.validator) else {
            throw TestFailure("the new overlay was not fetched")
        }
        #expect(second.overlay?.text == "global_rollout_percentage: 10\n")
        #expect(second.base.text == "flags: {}\n")  // fetched again after its 304, since the overlay changed
        #expect(second.validator == FetchValidator(base: "\"b1\"", overlay: "\"o1\"", overlayAbsent: false))
        #expect(fetcher.unknownEnvironmentError(second, sections: []) == nil)
        guard case .notModified = try fetcher.fetch(validator: second.validator) else { throw TestFailure("not a 304") }
    }
}

final class OverlayState: @unchecked Sendable {
    private let lock = NSLock()
    private var present = false
    var overlayPresent: Bool {
        get { lock.withLock { present } }
        set { lock.withLock { present = newValue } }
    }
}
