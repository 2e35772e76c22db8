import Foundation
import Testing

@Suite("--web.listen-address, repeated")
struct ListenAddressTests {
    @Test("every address serves the same exporter; SIGTERM stops them all with status 0")
    func several() throws {
        let second = try freePort()
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic", "--web.listen-address", "127.0.0.1:\(second)"])
        defer { exporter.stop() }
        #expect(RunningExporter.eventually(timeout: 10) { exporter.log.contains("msg=listening address=127.0.0.1:\(second)") })
        let other = "http://127.0.0.1:\(second)"
        #expect(try HTTP.request(other + "/-/ready").status == 200)
        // One exporter behind both: a request counted on one is seen through the other.
        _ = try HTTP.request(other + "/-/healthy")
        let counted = try HTTP.request(exporter.baseURL + "/metrics").body
        #expect(counted.contains(#"feature_flag_exporter_http_requests_total{handler="/-/healthy",code="200"} 1"#),
                "\(counted.split(separator: "\n").filter { $0.contains("requests_total") && $0.contains("/-/healthy") })")
        #expect(exporter.stop() == 0)
        #expect(exporter.log.contains("msg=stopped"))
    }

    @Test("a busy second address is named at start; the same address twice is a usage error")
    func refusals() throws {
        let (exporter, _) = try RunningExporter.serving(["--no-synthetic"])
        defer { exporter.stop() }
        let busy = try CommandRunner.exporter([
            "serve", "--config.file", "/nonexistent/flags.yaml", "--web.listen-address", "127.0.0.1:\(try freePort())",
            "--web.listen-address", "127.0.0.1:\(exporter.port)",
        ])
        #expect(busy.status == 1)
        #expect(busy.standardError.hasPrefix("featureflag_exporter: cannot listen on 127.0.0.1:\(exporter.port): Address already in use"))
        let twice = try CommandRunner.exporter(["serve", "--web.listen-address", ":10199", "--web.listen-address", ":10199"])
        #expect(twice.status == 64)
        #expect(twice.standardError.contains("--web.listen-address names the same address twice"))
    }
}
