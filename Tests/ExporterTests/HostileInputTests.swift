@testable import Exporter
import FlagConfig
import Settings
import FlagEngine
import Foundation
import Logging
import Telemetry
import Testing

/// Broken and hostile input that used to open the exporter up, crash it or mislead: each now gets a clear refusal.
@Suite("Hostile and broken input", .serialized)
struct HostileInputTests {
    static let telemetry = ExporterTelemetry(version: "t", revision: "t", swiftVersion: "t")

    static func bcrypt(_ user: String, _ password: String, cost: Int) throws -> String {
        let output = try CommandRunner.run("/usr/bin/htpasswd", ["-nbBC", String(cost), user, password])
        let line = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return String(line.drop { $0 != ":" }.dropFirst())
    }

    @Test("a web config rewritten without auth or TLS is refused while running; the users stay in force")
    func webConfigNeverOpensUp() throws {
        let directory = try TemporaryDirectory()
        let hash = try Self.bcrypt("prometheus", "secret", cost: 4)
        let path = try directory.write("web.yml", "basic_auth_users:\n  prometheus: \"\(hash)\"\n")
        let reloader = try WebConfigReloader(path: path, metrics: Self.telemetry.http, logger: Logger(label: "test"))
        for weaker in ["", "# nothing\n", "basic_auth_users: {}\n", "basic_auth_users:\n"] {
            _ = try directory.write("web.yml", weaker)
            let active = reloader.reload()
            #expect(active.config.basicAuthUsers == ["prometheus": hash], "\(weaker.debugDescription) opened it up")
        }
        // A stricter one (another user) applies.
        let other = try Self.bcrypt("other", "pw", cost: 4)
        _ = try directory.write("web.yml", "basic_auth_users:\n  other: \"\(other)\"\n")
        #expect(reloader.reload().config.basicAuthUsers == ["other": other])
    }

    @Test("turning TLS off or weakening the client certificate requirement is a weakening", arguments: [
        ("tls", "none", "it turns TLS off"),
        ("RequireAndVerifyClientCert", "NoClientCert", "it weakens client_auth_type from RequireAndVerifyClientCert to NoClientCert"),
    ])
    func weakenings(before: String, after: String, message: String) {
        func config(_ clientAuth: String?) -> WebConfig {
            var config = WebConfig()
            if let clientAuth {
                var tls = WebConfig.TLSServer(certificateFile: "c", keyFile: "k")
                tls.clientAuth = WebConfig.ClientAuth(rawValue: clientAuth) ?? .noClientCert
                config.tls = tls
            }
            return config
        }
        let old = config(before == "tls" ? "NoClientCert" : before)
        let new = after == "none" ? config(nil) : config(after)
        #expect(WebConfigReloader.weakening(from: old, to: new) == message)
        #expect(WebConfigReloader.weakening(from: new, to: old) == nil)
    }

    @Test("a password with a NUL is refused, not checked as its prefix; an unknown user costs the highest cost")
    func authenticationDetails() async throws {
        let hash = try Self.bcrypt("prometheus", "secret", cost: 5)
        let users = ["prometheus": hash]
        let authenticator = BasicAuthenticator()
        #expect(await authenticator.verify(user: "prometheus", password: "secret", users: users))
        #expect(!(await authenticator.verify(user: "prometheus", password: "secret\u{0}anything", users: users)))
        #expect(BasicAuthenticator.dummyHash(for: users).hasPrefix("$2y$05$"))
        #expect(BasicAuthenticator.dummyHash(for: ["a": hash, "b": try Self.bcrypt("b", "x", cost: 12)]).hasPrefix("$2y$12$"))
        #expect(BasicAuthenticator.dummyHash(for: users).count == 60)
    }

    @Test("a bcrypt cost over 14 is refused at load with its place")
    func bcryptCostLimit() throws {
        let hash = "$2y$15$" + String(repeating: "a", count: 53)
        #expect {
            try WebConfig.load(ConfigText(name: "web.yml", text: "basic_auth_users:\n  p: \"\(hash)\"\n"), directory: "/tmp")
        } throws: { error in
            (error as? FlagConfigError)?.errors.first?.description.hasPrefix(
                "web.yml:2:6: basic_auth_users.p: bcrypt cost 15 is over the limit of 14") == true
        }
    }

    @Test("Accept-Encoding qualities: gzip;q=0 refuses gzip", arguments: [
        (["gzip"], true), (["gzip;q=0"], false), (["gzip; q=0.0"], false), (["identity, gzip;q=0.5"], true),
        (["*"], true), (["br"], false), (["GZIP;Q=1"], true),
    ])
    func acceptEncoding(values: [String], accepted: Bool) {
        #expect(Routes.accepts("gzip", in: values) == accepted)
    }

    @Test("a UTF-8 byte order mark is read as PyYAML reads it; invalid UTF-8 is located at its line and column")
    func encodings() throws {
        let directory = try TemporaryDirectory()
        let bom = try directory.write("bom.yaml", "\u{FEFF}flags:\n  a:\n    state: enabled\n")
        #expect(try FlagConfigLoader.load(path: bom, environment: "development").flagSet.count == 1)
        let bad = directory.path + "/bad.yaml"
        try Data("flags:\n  a:\n    state: en".utf8 + [0xFF] + Data("abled\n".utf8)).write(to: URL(fileURLWithPath: bad))
        #expect {
            try FlagConfigLoader.load(path: bad, environment: "development")
        } throws: { error in
            (error as? FlagConfigError)?.description == bad + ":3:14: not valid UTF-8 here (the file must be UTF-8 text)"
        }
    }

    @Test("a live edit to a 26,000-flag dependency chain is refused with its place; the exporter keeps serving")
    func deepChainLiveEdit() throws {
        let unwatched = "global:\n  hot_reload_enabled: false\n" + serveFixture
        let (exporter, directory) = try RunningExporter.serving(["--web.enable-lifecycle"], flags: unwatched)
        defer { exporter.stop() }
        var chain = "flags:\n"
        for index in 0..<26_000 {
            chain += "  f\(index):\n    state: enabled\n" + (index < 25_999 ? "    dependencies: [f\(index + 1)]\n" : "")
        }
        _ = try directory.write("flags.yaml", chain)
        let reload = try HTTP.request("\(exporter.baseURL)/-/reload", method: "POST")
        #expect(reload.status == 500)
        #expect(reload.body.contains("prerequisites nest 33 deep"), "\(reload.body.prefix(500))")
        #expect(exporter.process.isRunning)
        #expect(try exporter.sample("feature_flag_config_info", ["version=\"t1\""]) == 1)
        let check = try CommandRunner.exporter(["check", "--config.file", directory.path + "/flags.yaml", "--environment", "production"])
        #expect(check.status == 1)
        #expect(check.standardOutput.contains("flags.f25966.dependencies: prerequisites nest 33 deep (f25966 -> f25967 -> f25968 -> … -> f25999)"))
    }

    @Test("a FIFO as the flags file or the exporter file is refused at once by check and serve, never a hang")
    func fifos() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/pipe.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let check = try CommandRunner.exporter(["check", "--config.file", fifo])
        #expect(check.status == 1)
        #expect(check.standardOutput.hasPrefix(fifo + ": is a FIFO (named pipe), not a regular file"))
        let serve = try CommandRunner.exporter(["serve", "--web.listen-address", "127.0.0.1:0", "--exporter.config-file", fifo])
        #expect(serve.status == 1)
        #expect(serve.standardError.contains(fifo + ": is a FIFO (named pipe), not a regular file"))
    }

    @Test("a telemetry path on top of the exporter's own routes is refused; push's bad options exit 1")
    func commandLineRefusals() throws {
        for path in ["/health", "/-/ready", "/ofrep/v1/evaluate/flags"] {
            let output = try CommandRunner.exporter(["serve", "--web.telemetry-path", path])
            #expect(output.status == 64)
            #expect(output.standardError.contains("--web.telemetry-path \(path) collides with the exporter's own"))
        }
        let retries = try CommandRunner.exporter(["push", "--gateway.retries", "1000", "--gateway.url", "http://127.0.0.1:9"])
        #expect(retries.status == 1)
        #expect(retries.standardError == "featureflag_exporter push: --gateway.retries must be between 0 and 10\n")
        let injected = try CommandRunner.exporter([
            "push", "--users", "10", "--gateway.url", "http://127.0.0.1:9", "--gateway.header", "X-A: b\r\nX-Injected: 1",
        ])
        #expect(injected.status == 1)
        #expect(injected.standardError.contains("header X-A contains a carriage return (CR); it was not sent"))
        let newline = try CommandRunner.exporter(["push", "--users", "10", "--gateway.url", "http://127.0.0.1:9/\nx"])
        #expect(newline.status == 1)
        #expect(newline.standardError.contains("the URL contains a line feed (LF); it was not requested"))
    }

    @Test("HEAD /metrics answers like GET without a body; before any config, OFREP says not ready; gzip, chunked is 501")
    func headAndNotReady() throws {
        let directory = try TemporaryDirectory()
        let exporter = try RunningExporter(
            ["--config.file", "http://127.0.0.1:9/flags.yaml", "--config.overlay", "none", "--no-synthetic"],
            directory: directory.path)
        exporter.retained.append(directory)
        defer { exporter.stop() }
        // curl -I sends HEAD and reads no body: status and the size of what followed the headers.
        let head = try CommandRunner.run(
            "/usr/bin/curl", ["-s", "-I", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "\(exporter.baseURL)/metrics"])
        #expect(head.standardOutput == "200 0")
        #expect(try HTTP.request("\(exporter.baseURL)/-/ready").status == 503)
        let probe = OFREPProbe(exporter)
        let ofrep = try probe.single("anything", "{\"context\":{}}")
        #expect(ofrep.status == 503)
        #expect(ofrep.body.contains("has not loaded a config yet"))
        #expect(try probe.bulk("{\"context\":{}}").header("Retry-After") == "5")
        try probe.validate()
        let gzipChunked = try CommandRunner.run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Transfer-Encoding: gzip, chunked", "--data-binary", "x",
             "\(exporter.baseURL)/ofrep/v1/evaluate/flags"])
        #expect(gzipChunked.standardOutput == "501")
    }

    @Test("clients idling on keep-alive connections cannot lock scrapes out: the longest idle yields to a newcomer")
    func idleConnectionsYield() throws {
        let directory = try TemporaryDirectory()
        let (exporterFlags, settings) = (try directory.write("flags.yaml", serveFixture), try directory.write("e.yaml", serveSettings))
        let exporter = try RunningExporter(
            ["--config.file", exporterFlags, "--exporter.config-file", settings, "--no-synthetic", "--web.max-connections", "8"],
            directory: directory.path)
        exporter.retained.append(directory)
        defer { exporter.stop() }
        // Eight clients each make one request, then hold their connection open without a word for 6 s.
        let script = """
            import socket, time
            held = []
            for _ in range(8):
                s = socket.create_connection(("127.0.0.1", \(exporter.port)))
                s.sendall(b"GET /-/healthy HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                s.recv(4096)
                held.append(s)
            print("holding", flush=True)
            time.sleep(6)
            """
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", script]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        defer { holder.terminate() }
        _ = output.fileHandleForReading.availableData  // "holding": every slot is taken by an idle connection
        Thread.sleep(forTimeInterval: ConnectionGateTiming.idleSeconds + 0.3)
        let scrape = try HTTP.request("\(exporter.baseURL)/metrics")
        #expect(scrape.status == 200)
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"idle_evicted\""]) ?? 0 >= 1)
    }
}

enum ConnectionGateTiming {
    static let idleSeconds = ConnectionGate.minimumIdleSeconds
}
