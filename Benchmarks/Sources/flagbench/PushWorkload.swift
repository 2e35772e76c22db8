import Pushgateway
import Telemetry

#if canImport(Glibc)
import Glibc
#endif

/// push-1k: one PUT of the 1,000-flag registry (scrape-1k's) to a Pushgateway on loopback, as `serve
/// --push.gateway-url` and `push` send it; median of 20, after 3 warm-up pushes, plain and gzip'd.
///
/// Pushes to `FLAGBENCH_PUSHGATEWAY` when set, else starts Debian's `prometheus-pushgateway` on a free port (in memory)
/// and stops it afterwards.
enum PushWorkload {
    static func push1k() -> String {
        let body = ExporterWorkloads.registry1k().render(now: 0)
        var gateway: SpawnedGateway?
        let url: String
        if let given = ProcessEnvironmentReader.value("FLAGBENCH_PUSHGATEWAY") {
            url = given
        } else {
            guard let spawned = SpawnedGateway.start() else {
                return "workload=push-1k skipped=prometheus-pushgateway-not-found"
            }
            gateway = spawned
            url = spawned.url
        }
        defer { gateway?.stop() }
        let group = try! PushGroup(job: "flagbench", labels: [.init(name: "instance", value: "push-1k")])
        var configuration = PushgatewayClient.Configuration(url: url)
        configuration.retry = RetryPolicy(retries: 0)
        let plain = PushgatewayClient(configuration: configuration)
        configuration.gzip = true
        let zipped = PushgatewayClient(configuration: configuration)

        func median(_ client: PushgatewayClient) -> Double? {
            var times: [Double] = []
            for round in 0..<23 {
                let start = Workloads.monotonicSeconds()
                do {
                    try client.push(body, to: group)
                } catch {
                    _ = "push-1k: \(error.message)\n".withCString { write(STDERR_FILENO, $0, strlen($0)) }
                    return nil
                }
                if round >= 3 { times.append(Workloads.monotonicSeconds() - start) }
            }
            return Workloads.median(times)
        }
        guard let plainSeconds = median(plain), let gzipSeconds = median(zipped) else {
            return "workload=push-1k failed=see-stderr"
        }
        let curlSeconds = curlFloor(body: body, url: url + group.path)
        let gzipBytes = Gzip.compress(body, level: 6)?.count ?? 0
        var checks: [Double] = []
        for _ in 0..<20 {
            let start = Workloads.monotonicSeconds()
            try! PushBody.validate(body)
            checks.append(Workloads.monotonicSeconds() - start)
        }
        return "workload=push-1k ms=\(Workloads.format(plainSeconds * 1000)) gzip_ms=\(Workloads.format(gzipSeconds * 1000)) "
            + "curl_ms=\(curlSeconds.map { Workloads.format($0 * 1000) } ?? "n/a") "
            + "bytes=\(body.count) gzip_bytes=\(gzipBytes) body_check_ms=\(Workloads.format(Workloads.median(checks) * 1000))"
    }
}

extension PushWorkload {
    /// The floor: the curl command line PUTting the same body to the same gateway (its own `time_total`, so process
    /// start-up is not counted); median of 20 after 3 warm-ups. `nil` when curl is missing.
    static func curlFloor(body: [UInt8], url: String) -> Double? {
        // mkstemp's template: the six X are replaced by a unique name.
        var template = Array(((ProcessEnvironmentReader.value("TMPDIR") ?? "/tmp") + "/flagbench-push-XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { return nil }
        let path = String(cString: template)
        defer { unlink(path) }
        _ = body.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        var times: [Double] = []
        for round in 0..<23 {
            let command = "curl -s -o /dev/null -w '%{http_code} %{time_total}' -X PUT --data-binary @\(path) '\(url)'"
            guard let pipe = popen(command, "r") else { return nil }
            var output = [CChar](repeating: 0, count: 128)
            let line = fgets(&output, 127, pipe).map { String(cString: $0) } ?? ""
            pclose(pipe)
            let fields = line.split(separator: " ")
            guard fields.count == 2, fields[0] == "200", let seconds = Double(fields[1]) else { return nil }
            if round >= 3 { times.append(seconds) }
        }
        return Workloads.median(times)
    }
}

/// `prometheus-pushgateway` started for the workload, in memory only.
struct SpawnedGateway {
    let pid: pid_t
    let url: String

    static func start() -> SpawnedGateway? {
        guard let port = freePort() else { return nil }
        let arguments = [
            "prometheus-pushgateway", "--web.listen-address=127.0.0.1:\(port)", "--persistence.file=", "--log.level=error",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, "prometheus-pushgateway", nil, nil, &argv, environ) == 0 else { return nil }
        let gateway = SpawnedGateway(pid: pid, url: "http://127.0.0.1:\(port)")
        // Ready when it answers: a DELETE of a group that does not exist is accepted.
        var probe = PushgatewayClient.Configuration(url: gateway.url)
        probe.retry = RetryPolicy(retries: 0)
        let group = try! PushGroup(job: "flagbench-probe")
        for _ in 0..<100 {
            if (try? PushgatewayClient(configuration: probe).delete(group)) != nil { return gateway }
            usleep(50_000)
        }
        gateway.stop()
        return nil
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    static func freePort() -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
                guard bind(descriptor, raw, length) == 0 else { return -1 }
                return getsockname(descriptor, raw, &length)
            }
        }
        return bound == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
