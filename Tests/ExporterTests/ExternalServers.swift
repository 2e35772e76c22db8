import Foundation

/// A real server from Debian's (or PyPI's) packages on 127.0.0.1 and a free port, stopped when the test is done.
final class ExternalServer {
    let name: String
    let port: Int
    private let arguments: [String]
    private let executable: String
    private let logPath: String
    private var process: Process?

    private init(name: String, executable: String, arguments: [String], port: Int, logPath: String) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.port = port
        self.logPath = logPath
    }

    /// nginx serving `root` as static files (with ETags, as nginx sends for files).
    static func nginx(
        root: String, directory: TemporaryDirectory, port: Int? = nil, serverDirectives: String = "",
        tls: (certificate: String, key: String)? = nil
    ) throws -> ExternalServer {
        let port = try port ?? freePort()
        let prefix = directory.path + "/nginx-\(port)"
        try FileManager.default.createDirectory(atPath: prefix + "/tmp", withIntermediateDirectories: true)
        let config = """
            daemon off;
            master_process off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/tmp;
                proxy_temp_path \(prefix)/tmp;
                fastcgi_temp_path \(prefix)/tmp;
                uwsgi_temp_path \(prefix)/tmp;
                scgi_temp_path \(prefix)/tmp;
                server {
                    listen 127.0.0.1:\(port)\(tls == nil ? "" : " ssl");
                    \(tls.map { "ssl_certificate \($0.certificate); ssl_certificate_key \($0.key);" } ?? "")
                    root \(root);
                    \(serverDirectives)
                }
            }

            """
        try config.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        let server = ExternalServer(
            name: "nginx", executable: "/usr/sbin/nginx",
            arguments: ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"], port: port,
            logPath: prefix + "/stdout.log")
        try server.start()
        return server
    }

    /// redis-server with no persistence.
    static func redis(directory: TemporaryDirectory, port: Int? = nil) throws -> ExternalServer {
        let port = try port ?? freePort()
        let server = ExternalServer(
            name: "redis-server", executable: "/usr/bin/redis-server",
            arguments: [
                "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
            ], port: port, logPath: directory.path + "/redis-\(port).log")
        try server.start()
        return server
    }

    /// Debian's prometheus-pushgateway, in memory only.
    static func pushgateway(directory: TemporaryDirectory, port: Int? = nil) throws -> ExternalServer {
        let port = try port ?? freePort()
        let server = ExternalServer(
            name: "prometheus-pushgateway", executable: "/usr/bin/prometheus-pushgateway",
            arguments: [
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                // Debian's default persists to /var/lib/prometheus: tests would share groups through it.
                "--persistence.file=",
            ], port: port,
            logPath: directory.path + "/pushgateway-\(port).log")
        try server.start()
        return server
    }

    /// Debian's Prometheus with `configuration` (a prometheus.yml), its TSDB in `directory`.
    static func prometheus(configuration: String, directory: TemporaryDirectory) throws -> ExternalServer {
        let port = try freePort()
        let server = ExternalServer(
            name: "prometheus", executable: "/usr/bin/prometheus",
            arguments: [
                "--config.file=\(configuration)", "--storage.tsdb.path=\(directory.path)/tsdb-\(port)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ], port: port, logPath: directory.path + "/prometheus-\(port).log")
        try server.start()
        // The port accepts before the TSDB is open; until then every query is a plain-text 503.
        try server.awaitReady(path: "/-/ready")
        return server
    }

    /// Debian's Alertmanager with `configuration`, clustering off, its state in `directory`.
    static func alertmanager(configuration: String, directory: TemporaryDirectory) throws -> ExternalServer {
        let port = try freePort()
        let server = ExternalServer(
            name: "prometheus-alertmanager", executable: "/usr/bin/prometheus-alertmanager",
            arguments: [
                "--config.file=\(configuration)", "--storage.path=\(directory.path)/alertmanager-\(port)",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
            ], port: port, logPath: directory.path + "/alertmanager-\(port).log")
        try server.start()
        try server.awaitReady(path: "/-/ready")
        return server
    }

    /// An instant query against this Prometheus; the JSON answer. Any status but 200 is an error showing the body.
    func query(_ promQL: String) throws -> String {
        let encoded = promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promQL
        let response = try HTTP.request("http://127.0.0.1:\(port)/api/v1/query?query=\(encoded)")
        guard response.status == 200 else {
            throw TestFailure("\(name) answered \(response.status) to \(promQL): \(response.body)")
        }
        return response.body
    }

    /// Waits up to 30 s until `path` answers 200 (a readiness endpoint), or throws with the last answer and the log.
    func awaitReady(path: String) throws {
        let deadline = Date().addingTimeInterval(30)
        var last = "no answer"
        while Date() < deadline {
            if let response = try? HTTP.request("http://127.0.0.1:\(port)\(path)") {
                if response.status == 200 { return }
                last = "\(response.status): \(response.body)"
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw TestFailure("\(name) never became ready on \(path) (\(last)):\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// moto's server, standing in for AWS SSM.
    static func moto(directory: TemporaryDirectory) throws -> ExternalServer {
        let port = try freePort()
        let server = ExternalServer(
            name: "moto_server", executable: try PythonTools.executable("moto_server"),
            arguments: ["-H", "127.0.0.1", "-p", "\(port)"], port: port, logPath: directory.path + "/moto.log")
        try server.start()
        return server
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)  // an absent log shows as no attempts
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if Self.accepts(port: port) { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw TestFailure("\(name) did not start on port \(port):\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until the port is closed.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    /// Kills it without a chance to clean up (SIGKILL).
    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { stop() }

    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// The Python tools the tests use (moto's server and boto3), from `.build-venv` (made by `make test`) or PATH.
enum PythonTools {
    static func executable(_ name: String) throws -> String {
        let candidates = [CommandRunner.repositoryRoot + "/.build-venv/bin/" + name]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/\(name)" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestFailure("\(name) not found; `make test` installs it into .build-venv")
        }
        return found
    }

    /// Puts an SSM parameter (overwriting) through boto3 against moto.
    static func putParameter(endpoint: String, name: String, value: String) throws {
        let script = """
            import sys, boto3
            client = boto3.client("ssm", region_name="us-east-1", endpoint_url=sys.argv[1],
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
            client.put_parameter(Name=sys.argv[2], Value=sys.stdin.read(), Type="String", Overwrite=True)
            """
        let output = try CommandRunner.run(
            try executable("python3"), ["-c", script, endpoint, name], input: value,
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        guard output.status == 0 else { throw TestFailure("put_parameter failed: \(output.standardError)") }
    }
}

/// `redis-cli PUBLISH`.
func redisPublish(port: Int, channel: String, message: String = "changed") throws -> Int {
    let output = try CommandRunner.run("/usr/bin/redis-cli", ["-h", "127.0.0.1", "-p", "\(port)", "PUBLISH", channel, message])
    guard output.status == 0 else { throw TestFailure("redis-cli failed: \(output.standardError)") }
    return Int(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}

/// A self-signed certificate for 127.0.0.1 (openssl from Debian), valid for a day.
func selfSignedCertificate(in directory: TemporaryDirectory) throws -> (certificate: String, key: String) {
    let certificate = directory.path + "/cert.pem"
    let key = directory.path + "/key.pem"
    let output = try CommandRunner.run(
        "/usr/bin/openssl",
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
    guard output.status == 0 else { throw TestFailure("openssl failed: \(output.standardError)") }
    return (certificate, key)
}
