import Foundation
import Testing

/// A certificate authority with certificates it signed, made by Debian's openssl for one test.
struct TestPKI {
    let directory: TemporaryDirectory
    let name: String

    var authority: String { "\(directory.path)/\(name)-ca.crt" }
    var serverCertificate: String { "\(directory.path)/\(name)-server.crt" }
    var serverKey: String { "\(directory.path)/\(name)-server.key" }
    var clientCertificate: String { "\(directory.path)/\(name)-client.crt" }
    var clientKey: String { "\(directory.path)/\(name)-client.key" }

    init(in directory: TemporaryDirectory, name: String) throws {
        self.directory = directory
        self.name = name
        let base = "\(directory.path)/\(name)"
        try Self.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(base)-ca.key", "-out", "\(base)-ca.crt",
            "-days", "1", "-subj", "/CN=\(name) test CA",
        ])
        for (role, subject, extensions) in [
            ("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("client", "/CN=scraper", "extendedKeyUsage=clientAuth\n"),
        ] {
            try Self.openssl([
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(base)-\(role).key", "-out", "\(base)-\(role).csr",
                "-subj", subject,
            ])
            let extensionsFile = try directory.write("\(name)-\(role).ext", extensions)
            try Self.openssl([
                "x509", "-req", "-in", "\(base)-\(role).csr", "-CA", "\(base)-ca.crt", "-CAkey", "\(base)-ca.key",
                "-CAcreateserial", "-out", "\(base)-\(role).crt", "-days", "1", "-extfile", extensionsFile,
            ])
        }
    }

    static func openssl(_ arguments: [String]) throws {
        let output = try CommandRunner.run("/usr/bin/openssl", arguments)
        guard output.status == 0 else { throw TestFailure("openssl \(arguments[0]) failed: \(output.standardError)") }
    }
}

/// A bcrypt hash from apache2-utils' htpasswd: an implementation independent of the exporter's libcrypt.
func bcryptHash(_ password: String, user: String = "prometheus") throws -> String {
    let output = try CommandRunner.run("/usr/bin/htpasswd", ["-nbBC", "10", user, password])
    guard output.status == 0, let colon = output.standardOutput.firstIndex(of: ":") else {
        throw TestFailure("htpasswd failed: \(output.standardError)")
    }
    return String(output.standardOutput[output.standardOutput.index(after: colon)...])
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// curl's exit status and HTTP code for one request (000 when no HTTP answer came).
func curlStatus(_ url: String, _ arguments: [String]) throws -> (exit: Int32, code: String, error: String) {
    let output = try CommandRunner.run(
        "/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"] + arguments + [url])
    return (output.status, output.standardOutput, output.standardError)
}

@Suite("--web.config.file: TLS and basic auth (exporter-toolkit format), on every route")
struct WebConfigTests {
    @Test("basic auth: 401 without or with wrong credentials, 200 with them; /-/reload also needs --web.enable-lifecycle")
    func basicAuth() throws {
        let directory = try TemporaryDirectory()
        let hash = try bcryptHash("s3cret pass")
        let webConfig = try directory.write("web.yml", "basic_auth_users:\n  prometheus: '\(hash)'\n")
        let exporter = try RunningExporter(
            ["--config.file", "config/feature_flags.yaml", "--no-synthetic", "--web.config.file", webConfig],
            directory: directory.path)
        for path in ["/metrics", "/health", "/-/ready", "/"] {
            let anonymous = try HTTP.request(exporter.baseURL + path)
            #expect(anonymous.status == 401, "\(path)")
            #expect(anonymous.headers.lowercased().contains("www-authenticate: basic realm="))
            #expect(try HTTP.request(exporter.baseURL + path, curlArguments: ["-u", "prometheus:wrong"]).status == 401)
            #expect(try HTTP.request(exporter.baseURL + path, curlArguments: ["-u", "nobody:s3cret pass"]).status == 401)
            #expect(try HTTP.request(exporter.baseURL + path, curlArguments: ["-u", "prometheus:s3cret pass"]).status == 200)
        }
        let probe = OFREPProbe(exporter)
        #expect(try probe.bulk(#"{"context":{}}"#).status == 401)
        #expect(try probe.bulk(#"{"context":{}}"#, curlArguments: ["-u", "prometheus:s3cret pass"]).status == 200)
        try probe.validate()
        // Authenticated, but the lifecycle API is off: 403, never a reload.
        #expect(try HTTP.request(exporter.baseURL + "/-/reload", method: "POST").status == 401)
        #expect(
            try HTTP.request(exporter.baseURL + "/-/reload", method: "POST", curlArguments: ["-u", "prometheus:s3cret pass"])
                .status == 403)
        let metrics = try HTTP.request(exporter.baseURL + "/metrics", curlArguments: ["-u", "prometheus:s3cret pass"]).body
        let refused = metrics.split(separator: "\n").first { $0.hasPrefix("feature_flag_exporter_http_refused_total{reason=\"unauthorized\"}") }
        #expect(Double(refused?.split(separator: " ").last ?? "") ?? 0 >= 14)
        #expect(!exporter.log.contains("s3cret"), "credentials never reach the log")
    }

    @Test("TLS: curl --cacert scrapes; plain HTTP to the TLS port fails cleanly and is counted; the server goes on")
    func tls() throws {
        let directory = try TemporaryDirectory()
        let pki = try TestPKI(in: directory, name: "first")
        let webConfig = try directory.write(
            "web.yml", "tls_server_config:\n  cert_file: first-server.crt\n  key_file: first-server.key\n")
        let exporter = try RunningExporter(
            ["--config.file", "config/feature_flags.yaml", "--no-synthetic", "--web.config.file", webConfig],
            directory: directory.path)
        let https = "https://127.0.0.1:\(exporter.port)/metrics"
        let scrape = try HTTP.request(https, curlArguments: ["--cacert", pki.authority])
        #expect(scrape.status == 200)
        #expect(scrape.body.contains("feature_flag_exporter_build_info"))
        // No trust in the certificate: curl refuses it.
        #expect(try curlStatus(https, []).exit == 60)
        // Plain HTTP to the TLS port: no HTTP answer, the connection is closed (curl: empty reply), nothing hangs.
        let plain = try curlStatus(exporter.baseURL + "/metrics", [])
        #expect(plain.code == "000")
        #expect([52, 56].contains(plain.exit), "curl exit \(plain.exit): \(plain.error)")
        let after = try HTTP.request(https, curlArguments: ["--cacert", pki.authority]).body
        // Two failed handshakes: curl refusing the untrusted certificate, and the plain-HTTP request.
        #expect(after.contains("feature_flag_exporter_http_refused_total{reason=\"tls_handshake\"} 2"))
        #expect(after.contains("feature_flag_exporter_web_config_last_reload_successful 1"))
        // TLS 1.1 is below the default min_version (TLS12).
        #expect(try curlStatus(https, ["--cacert", pki.authority, "--tlsv1.1", "--tls-max", "1.1"]).code == "000")
    }

    @Test("RequireAndVerifyClientCert: no client certificate, or one from another CA, is refused; the CA's is served")
    func clientCertificates() throws {
        let directory = try TemporaryDirectory()
        let pki = try TestPKI(in: directory, name: "main")
        let stranger = try TestPKI(in: directory, name: "stranger")
        let webConfig = try directory.write(
            "web.yml",
            """
            tls_server_config:
              cert_file: main-server.crt
              key_file: main-server.key
              client_ca_file: main-ca.crt
              client_auth_type: RequireAndVerifyClientCert

            """)
        let exporter = try RunningExporter(
            ["--config.file", "config/feature_flags.yaml", "--no-synthetic", "--web.config.file", webConfig],
            directory: directory.path)
        let https = "https://127.0.0.1:\(exporter.port)/metrics"
        let without = try curlStatus(https, ["--cacert", pki.authority])
        #expect(without.code == "000" && without.exit != 0, "\(without)")
        let foreign = try curlStatus(
            https, ["--cacert", pki.authority, "--cert", stranger.clientCertificate, "--key", stranger.clientKey])
        #expect(foreign.code == "000" && foreign.exit != 0, "\(foreign)")
        let trusted = try curlStatus(https, ["--cacert", pki.authority, "--cert", pki.clientCertificate, "--key", pki.clientKey])
        #expect(trusted.code == "200", "\(trusted)")
    }

    @Test("the files are read again when they change: a rotated certificate applies without a restart, a broken file keeps the last good one")
    func rotation() throws {
        let directory = try TemporaryDirectory()
        let first = try TestPKI(in: directory, name: "first")
        let second = try TestPKI(in: directory, name: "second")
        try FileManager.default.copyItem(atPath: first.serverCertificate, toPath: directory.path + "/server.crt")
        try FileManager.default.copyItem(atPath: first.serverKey, toPath: directory.path + "/server.key")
        let webConfig = try directory.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
        let exporter = try RunningExporter(
            ["--config.file", "config/feature_flags.yaml", "--no-synthetic", "--web.config.file", webConfig],
            directory: directory.path)
        let https = "https://127.0.0.1:\(exporter.port)/metrics"
        #expect(try curlStatus(https, ["--cacert", first.authority]).code == "200")

        // Rotate: the next connection is served with the second CA's certificate.
        _ = try directory.write("server.key", String(contentsOfFile: second.serverKey, encoding: .utf8))
        _ = try directory.write("server.crt", String(contentsOfFile: second.serverCertificate, encoding: .utf8))
        #expect(try RunningExporter.eventually(timeout: 5) { try curlStatus(https, ["--cacert", second.authority]).code == "200" })
        #expect(try curlStatus(https, ["--cacert", first.authority]).exit == 60)

        // Break the file: connections go on with the last good config, and the gauge says so.
        _ = try directory.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_flie: server.key\n")
        #expect(RunningExporter.eventually(timeout: 5) { exporter.log.contains("web config unusable; keeping the previous one") })
        let kept = try HTTP.request(https, curlArguments: ["--cacert", second.authority])
        #expect(kept.status == 200)
        #expect(kept.body.contains("feature_flag_exporter_web_config_last_reload_successful 0"))
        #expect(exporter.log.contains("web config unusable; keeping the previous one"))
        #expect(exporter.log.contains("web.yml:3:3"))
    }

    @Test("a broken web config stops serve from starting, with file:line:column")
    func brokenAtStart() throws {
        let directory = try TemporaryDirectory()
        let webConfig = try directory.write("web.yml", "basic_auth_users:\n  alice: plaintext-password\n")
        let output = try CommandRunner.run(
            CommandRunner.binary,
            ["serve", "--config.file", "config/feature_flags.yaml", "--web.listen-address", "127.0.0.1:0", "--web.config.file", webConfig])
        #expect(output.status == 1)
        #expect(output.standardError.contains("web.yml:2:10"), "\(output.standardError)")
        #expect(output.standardError.contains("not a bcrypt hash"))
    }
}

@Suite("HTTP limits and timeouts: each refusal answered cleanly and counted")
struct HTTPLimitTests {
    @Test("a slowloris client is cut off after the read timeout while other scrapes succeed")
    func slowloris() throws {
        let directory = try TemporaryDirectory()
        let exporter = try RunningExporter(
            ["--config.file", "config/feature_flags.yaml", "--no-synthetic", "--web.read-timeout", "2"],
            directory: directory.path)
        let slow = try LoopbackSocket(port: exporter.port)
        try slow.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        let started = Date()
        var scrapes = 0
        var cutOffAfter: Double?
        while Date().timeIntervalSince(started) < 8 {
            // One header line every 300 ms: never idle, never done.
            if !slow.isOpen() {
                cutOffAfter = Date().timeIntervalSince(started)
                break
            }
            try? slow.send("X-Slow: \(scrapes)\r\n")
            #expect(try HTTP.request(exporter.baseURL + "/metrics").status == 200)
            scrapes += 1
            Thread.sleep(forTimeInterval: 0.3)
        }
        let cutOff = try #require(cutOffAfter, "the slow client was never cut off")
        #expect(cutOff >= 1.5 && cutOff < 6, "cut off after \(cutOff) s")
        #expect(scrapes >= 3)
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"read_timeout\""]) == 1)
    }

    @Test("headers over --web.max-header-bytes: 431; a connection over --web.max-connections: 503; a body on /metrics over the limit: 413")
    func limits() throws {
        let directory = try TemporaryDirectory()
        let exporter = try RunningExporter(
            [
                "--config.file", "config/feature_flags.yaml", "--no-synthetic", "--web.max-header-bytes", "4096",
                "--web.max-connections", "4",
            ],
            directory: directory.path)
        let big = try HTTP.request(exporter.baseURL + "/metrics", headers: ["X-Big: " + String(repeating: "a", count: 5000)])
        #expect(big.status == 431)
        let declared = try HTTP.request(exporter.baseURL + "/metrics", method: "GET", body: String(repeating: "b", count: 70_000))
        #expect(declared.status == 413)
        let garbage = try LoopbackSocket(port: exporter.port)
        try garbage.send("\u{16}\u{03}\u{01} not http\r\n\r\n")
        #expect(garbage.receive().hasPrefix("HTTP/1.1 400"))

        // Four held connections fill the cap; the fifth is answered 503 and closed, and a freed slot serves again.
        let held = try (0..<4).map { _ in try LoopbackSocket(port: exporter.port) }
        Thread.sleep(forTimeInterval: 0.3)
        let refused = try HTTP.request(exporter.baseURL + "/metrics")
        #expect(refused.status == 503)
        for socket in held { socket.close() }
        #expect(try RunningExporter.eventually(timeout: 5) { try HTTP.request(exporter.baseURL + "/metrics").status == 200 })
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"header_too_large\""]) == 1)
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"body_too_large\""]) == 1)
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"malformed\""]) ?? 0 >= 1)
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"connection_limit\""]) ?? 0 >= 1)
    }
}

/// A raw TCP connection to the exporter, for clients curl will not imitate (slow, malformed).
final class LoopbackSocket {
    private var descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("connect to 127.0.0.1:\(port) failed") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw TestFailure("send failed: errno \(errno)")
        }
    }

    /// Whether the server has not closed the connection (a zero-byte read means it has).
    func isOpen() -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return true }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    /// What the server sends until it closes (or 5 s pass).
    func receive() -> String {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }
}
