@testable import Exporter
import FlagConfig
import Settings
import FlagEngine
import FlagSync
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Telemetry
import Testing

/// The exporter's router driven in process (HummingbirdTesting's `.router` mode): no process, no port, no log line
/// to wait for. What needs the real server (limits on raw connections, TLS, signals) stays in ServeTests and
/// HostileInputTests.
@Suite("Routes, in process")
struct RouteTests {
    static let flags = """
        version: "3.0.0"
        flags:
          checkout:
            state: rollout
            default_variant: "off"
            variants: {"on": true, "off": false}
            rollout: {strategy: percentage, percentage: 50}
            targeting_rules:
              - {name: admins, condition: "user_type == 'admin'", variant: "on", priority: 10}
          banner: {state: enabled, default_variant: blue, variants: {blue: "#00f"}}
        """

    /// A router over a real flags file in a temporary folder, loaded (or not) by a real check.
    struct Fixture {
        let directory: URL
        let path: String
        let runtime: ConfigRuntime
        let telemetry: ExporterTelemetry
        let mirror: MirrorEvaluator
        let application: Application<RouterResponder<BasicRequestContext>>

        /// The web config file (`--web.config.file`) in the same folder, when there is one.
        let webConfigPath: String

        init(
            flags: String? = RouteTests.flags, webConfig: String? = nil, configure: (inout ServeOptions) -> Void = { _ in }
        ) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("flags.yaml").path
            if let flags { try flags.write(toFile: path, atomically: true, encoding: .utf8) }
            let logger = Logger(label: "routes-test")
            telemetry = ExporterTelemetry(version: "test", revision: "r", swiftVersion: "6.3")
            runtime = ConfigRuntime(configPath: path, environment: "production", telemetry: telemetry, logger: logger)
            _ = runtime.check(trigger: .startup)
            mirror = MirrorEvaluator(
                store: runtime.store, evaluations: telemetry.evaluations, mirrorMetrics: telemetry.mirror,
                settings: ExporterSettings.Mirror())
            var options = ServeOptions()
            configure(&options)
            webConfigPath = directory.appendingPathComponent("web.yml").path
            var reloader: WebConfigReloader?
            if let webConfig {
                try webConfig.write(toFile: webConfigPath, atomically: true, encoding: .utf8)
                reloader = try WebConfigReloader(path: webConfigPath, metrics: telemetry.http, logger: logger)
            }
            let routes = Routes(
                runtime: runtime, telemetry: telemetry, mirror: mirror, options: options,
                access: OFREPAccess(apiKeys: nil, allowedOrigins: []), webConfig: reloader, logger: logger)
            application = Application(responder: routes.router(maximumBodyBytes: 65_536).buildResponder())
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            defer { remove() }
            try await application.test(.router, body)
        }
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text(response).utf8))) as? [String: Any] ?? [:]
    }

    @Test("/health and /-/ready: 200 with the config's facts once loaded")
    func healthLoaded() async throws {
        try await Fixture().test { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let health = Self.json(response)
                #expect(health["healthy"] as? Bool == true)
                #expect(health["version"] as? String == "3.0.0")
                #expect(health["cache_size"] as? Int == 2)
                #expect(health["circuit_breaker_state"] as? String == "closed")
                #expect(health["last_error"] == nil)
            }
            try await client.execute(uri: "/-/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Self.text(response) == "Ready.\n")
            }
        }
    }

    @Test("no config yet: /health and /-/ready are 503, /health says why; OFREP is 503 with Retry-After")
    func notLoaded() async throws {
        try await Fixture(flags: nil).test { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let health = Self.json(response)
                #expect(health["healthy"] as? Bool == false)
                #expect(health["version"] is NSNull)
                #expect((health["last_error"] as? String)?.contains("flags.yaml") == true, "\(health)")
            }
            try await client.execute(uri: "/-/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(
                uri: "/ofrep/v1/evaluate/flags/checkout", method: .post,
                body: ByteBuffer(string: #"{"context":{"targetingKey":"u-1"}}"#)
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(Self.json(response)["errorCode"] as? String == "GENERAL")
            }
        }
    }

    @Test("/metrics: the catalog as text 0.0.4, gzip only when accepted, Vary on Accept-Encoding; HEAD has no body")
    func metrics() async throws {
        try await Fixture().test { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(response.headers[.contentEncoding] == nil)
                let text = Self.text(response)
                #expect(text.contains("feature_flag_config_info{version=\"3.0.0\""))
                #expect(text.contains("feature_flag_stale_config 0.0\n"))
            }
            for (accept, gzip) in [("gzip", true), ("br, gzip;q=0.5", true), ("gzip;q=0", false), ("identity", false)] {
                try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: accept]) { response in
                    #expect((response.headers[.contentEncoding] == "gzip") == gzip, "Accept-Encoding: \(accept)")
                    // A gzip member starts 1f 8b; the text exposition starts with '#'.
                    #expect((response.body.getInteger(at: 0, as: UInt16.self) == 0x1f8b) == gzip, "\(accept)")
                }
            }
            try await client.execute(uri: "/metrics", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }

    @Test("requests are counted by route pattern and code, never by raw path")
    func requestMetrics() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            _ = try await client.execute(uri: "/health", method: .get)
            _ = try await client.execute(uri: "/ofrep/v1/evaluate/flags/nope", method: .post, body: ByteBuffer(string: #"{"context":{}}"#))
            _ = try await client.execute(uri: "/no/such/page", method: .get)
            let text = String(decoding: fixture.telemetry.render(now: 0), as: UTF8.self)
            #expect(text.contains("feature_flag_exporter_http_requests_total{handler=\"/health\",code=\"200\"} 1\n"))
            #expect(text.contains("feature_flag_exporter_http_requests_total{handler=\"/ofrep/v1/evaluate/flags/{key}\",code=\"404\"} 1\n"))
            #expect(!text.contains("/no/such/page"), "an unknown path must not become a label value")
            #expect(text.contains("feature_flag_exporter_http_requests_total{handler=\"other\",code=\"404\"} 1\n"))
            for handler in ["/", "/metrics", "/-/ready"] {
                _ = try await client.execute(uri: handler, method: .get)
                let after = String(decoding: fixture.telemetry.render(now: 0), as: UTF8.self)
                #expect(after.contains("feature_flag_exporter_http_requests_total{handler=\"\(handler)\",code=\"200\"}"), "\(handler)")
            }
        }
    }

    @Test("a scrape only reads: mirrored counts appear when the mirror hands them over, not because of a scrape")
    func scrapeDoesNotFlush() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            try await client.execute(
                uri: "/ofrep/v1/evaluate/flags/banner", method: .post, body: ByteBuffer(string: #"{"context":{"targetingKey":"u-1"}}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(Self.text(response) == ##"{"key":"banner","reason":"STATIC","variant":"blue","value":"#00f","metadata":{"reason":"STATIC"}}"##)
            }
            let series = #"feature_flag_evaluations_total{flag_key="banner",variant="blue",reason="STATIC",source="mirror"}"#
            for _ in 0..<2 {
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(!Self.text(response).contains(series), "scraped before the hand-over")
                }
            }
            fixture.mirror.flush()
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(Self.text(response).contains(series + " 1\n"))
            }
        }
    }

    @Test("OFREP refusals render their own bodies", arguments: [
        ("/ofrep/v1/evaluate/flags/nope", #"{"context":{"targetingKey":"u"}}"#, 404, "FLAG_NOT_FOUND"),
        ("/ofrep/v1/evaluate/flags/checkout", "{not json", 400, "PARSE_ERROR"),
        ("/ofrep/v1/evaluate/flags/checkout", #"{"context":[1]}"#, 400, "INVALID_CONTEXT"),
        ("/ofrep/v1/evaluate/flags/checkout", #"{"context":{}}"#, 400, "TARGETING_KEY_MISSING"),
    ])
    func ofrepErrors(uri: String, body: String, status: Int, code: String) async throws {
        try await Fixture().test { client in
            try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status.code == status)
                #expect(response.headers[.contentType] == "application/json")
                let answer = Self.json(response)
                #expect(answer["errorCode"] as? String == code, "\(Self.text(response))")
                #expect((answer["errorDetails"] as? String)?.isEmpty == false)
            }
        }
    }

    /// flagd loads a flag whose targeting names a missing `$ref` and answers it PARSE_ERROR; so does OFREP here, alone
    /// (400) and within the bulk answer, while the file's other flags serve.
    @Test("a flagd flag with a $ref to a missing evaluator answers PARSE_ERROR, alone and in bulk")
    func unreadableTargeting() async throws {
        let flagd = #"""
            {"flags": {"broken": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"$ref": "nope"}},
                       "fine": {"state": "ENABLED", "variants": {"b": 2}, "defaultVariant": "b"}}}
            """#
        try await Fixture(flags: flagd).test { client in
            let body = ByteBuffer(string: #"{"context":{"targetingKey":"u"}}"#)
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/broken", method: .post, body: body) { response in
                #expect(response.status.code == 400)
                let answer = Self.json(response)
                #expect(answer["errorCode"] as? String == "PARSE_ERROR" && answer["key"] as? String == "broken", "\(Self.text(response))")
            }
            try await client.execute(uri: "/ofrep/v1/evaluate/flags", method: .post, body: body) { response in
                #expect(response.status.code == 200)
                let flags = try #require(Self.json(response)["flags"] as? [[String: Any]])
                let broken = try #require(flags.first { $0["key"] as? String == "broken" })
                #expect(broken["errorCode"] as? String == "PARSE_ERROR" && broken["value"] == nil)
                let fine = try #require(flags.first { $0["key"] as? String == "fine" })
                #expect(fine["value"] as? Int == 2)
            }
        }
    }

    @Test("OFREP takes POST: other methods are 405 with Allow")
    func ofrepMethods() async throws {
        try await Fixture().test { client in
            for method: HTTPRequest.Method in [.get, .put, .delete] {
                try await client.execute(uri: "/ofrep/v1/evaluate/flags", method: method) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "POST, OPTIONS")
                }
            }
        }
    }

    @Test("/-/reload: 403 unless the lifecycle API is on; a refused file is 500 with its location, and the config stays")
    func reload() async throws {
        try await Fixture().test { client in
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .forbidden)
            }
        }
        let fixture = try Fixture { $0.enableLifecycle = true }
        try await fixture.test { client in
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .ok)
                #expect(Self.text(response) == "Unchanged.\n")
            }
            try "flags:\n  checkout: {state: sideways}\n".write(toFile: fixture.path, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/reload", method: .put) { response in
                #expect(response.status == .internalServerError)
                #expect(Self.text(response).contains("flags.yaml:2:"), "\(Self.text(response))")
            }
            try await client.execute(uri: "/health", method: .get) { response in
                let health = Self.json(response)
                #expect(health["version"] as? String == "3.0.0", "the config in use stays")
                #expect(health["refresh_failures"] as? Int == 1)
                #expect((health["last_error"] as? String)?.contains("sideways") == true)
            }
        }
    }

    @Test("/-/reload reads the web config again: users changed in the file apply at once")
    func reloadReadsTheWebConfig() async throws {
        let first = try HostileInputTests.bcrypt("prometheus", "secret", cost: 4)
        let fixture = try Fixture(webConfig: "basic_auth_users:\n  prometheus: \"\(first)\"\n") { $0.enableLifecycle = true }
        @Sendable func authorization(_ user: String, _ password: String) -> HTTPFields {
            [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
        }
        try await fixture.test { client in
            try await client.execute(uri: "/-/ready", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/-/ready", method: .get, headers: authorization("prometheus", "secret")) { response in
                #expect(response.status == .ok)
            }
            let second = try HostileInputTests.bcrypt("other", "pw", cost: 4)
            try "basic_auth_users:\n  other: \"\(second)\"\n".write(toFile: fixture.webConfigPath, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/reload", method: .post, headers: authorization("prometheus", "secret")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/-/ready", method: .get, headers: authorization("prometheus", "secret")) { response in
                #expect(response.status == .unauthorized, "the user removed from the file is refused after /-/reload")
            }
            try await client.execute(uri: "/-/ready", method: .get, headers: authorization("other", "pw")) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
