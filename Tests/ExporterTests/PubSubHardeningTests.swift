import Foundation
import Testing

/// A Redis channel is input from outside too: floods are coalesced and oversized messages cut off.
@Suite("pub/sub under floods and oversized messages", .serialized)
struct PubSubHardeningTests {
    func start(in directory: TemporaryDirectory, redisPort: Int) throws -> RunningExporter {
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try flags(version: "p1").write(toFile: site + "/flags.yaml", atomically: true, encoding: .utf8)
        let nginx = try ExternalServer.nginx(root: site, directory: directory)
        let settings = try directory.write("exporter.yaml", serveSettings)
        let exporter = try RunningExporter(
            [
                "--config.file", "http://127.0.0.1:\(nginx.port)/flags.yaml", "--config.overlay", "none",
                "--exporter.config-file", settings, "--refresh.mode", "pubsub", "--no-synthetic",
            ], directory: directory.path, environment: ["REDIS_URL": "redis://127.0.0.1:\(redisPort)"])
        exporter.retained.append(nginx)
        #expect(try RunningExporter.eventually(timeout: 5) { try exporter.sample("feature_flag_pubsub_connected") == 1 })
        return exporter
    }

    @Test("2,000 PUBLISHes in a burst cost a handful of checks: one in flight and one queued, never one each")
    func floodIsCoalesced() throws {
        let directory = try TemporaryDirectory()
        let redis = try ExternalServer.redis(directory: directory)
        defer { redis.stop() }
        let exporter = try start(in: directory, redisPort: redis.port)
        defer { exporter.stop() }
        let before = try exporter.sample("feature_flag_refresh_success_total") ?? 0
        // One burst: the raw protocol through `redis-cli --pipe`, so all 2,000 arrive within milliseconds.
        let publish = "*3\r\n$7\r\nPUBLISH\r\n$28\r\nfeature_flags:config-changed\r\n$1\r\nx\r\n"
        let published = try CommandRunner.run(
            "/bin/sh", ["-c", "redis-cli -h 127.0.0.1 -p \(redis.port) --pipe > /dev/null"],
            input: String(repeating: publish, count: 2000))
        #expect(published.status == 0)
        #expect(try RunningExporter.eventually(timeout: 10) {
            try exporter.sample("feature_flag_pubsub_messages_total") == 2000
        })
        Thread.sleep(forTimeInterval: 1)
        let checks = (try exporter.sample("feature_flag_refresh_success_total") ?? 0) - before
        #expect(checks >= 1)
        #expect(checks < 200, "\(checks) checks for 2,000 messages")
    }

    @Test("a message larger than 1 MiB ends the connection (memory stays bounded); it reconnects and still works")
    func oversizedMessage() throws {
        let directory = try TemporaryDirectory()
        let redis = try ExternalServer.redis(directory: directory)
        defer { redis.stop() }
        let exporter = try start(in: directory, redisPort: redis.port)
        defer { exporter.stop() }
        let big = try directory.write("big.txt", String(repeating: "x", count: 3 << 20))
        let published = try CommandRunner.run(
            "/bin/sh", ["-c", "redis-cli -h 127.0.0.1 -p \(redis.port) -x PUBLISH feature_flags:config-changed < '\(big)'"])
        #expect(published.status == 0)
        #expect(RunningExporter.eventually(timeout: 10) {
            exporter.log.contains("more than 1048576 bytes of unread replies; disconnected")
        })
        #expect(try RunningExporter.eventually(timeout: 15) {
            try exporter.sample("feature_flag_pubsub_reconnects_total") ?? 0 >= 1
                && exporter.sample("feature_flag_pubsub_connected") == 1
        })
        #expect(try redisPublish(port: redis.port, channel: "feature_flags:config-changed") == 1)
    }
}
