import Foundation
import Testing

/// docs/scaling.md, shown: three replicas sharding one population (`--synthetic.shard=i/3`) under one real Prometheus
/// add up, through the shipped recording rule, to what one exporter reports for the whole population; and one Redis
/// PUBLISH reaches every replica.
@Suite("Replicas: sharded synthetic populations add up; one PUBLISH reaches all")
struct ReplicaTests {
    static let settings = """
        synthetic:
          enabled: true
          rate: 3000
          population:
            size: 300
            id_pattern: "user-{n}"
            attributes:
              user_type: {admin: 2, developer: 8, user: 90}
              environment: {production: 100}
              custom_attributes:
                plan: {free: 70, pro: 25, enterprise: 5}

        """

    /// `job_flag_key_source:feature_flag_rollout_realised_ratio:rate5m{source="synthetic"}` by flag, for `job`.
    static func realisedShares(_ prometheus: ExternalServer, job: String) throws -> [String: Double] {
        let answer = try prometheus.query(
            "job_flag_key_source:feature_flag_rollout_realised_ratio:rate5m{job=\"\(job)\",source=\"synthetic\"}")
        let json = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
        let results = (json?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        var shares: [String: Double] = [:]
        for result in results {
            guard let key = (result["metric"] as? [String: String])?["flag_key"],
                let value = (result["value"] as? [Any])?.last as? String, let share = Double(value), share.isFinite
            else { continue }
            shares[key] = share
        }
        return shares
    }

    @Test("the manifests' 3 replicas (--synthetic.shard=auto/3 by pod name) sum to the single exporter's realised shares; one PUBLISH reaches all 3")
    func replicas() throws {
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let shipped = try String(contentsOfFile: CommandRunner.repositoryRoot + "/config/feature_flags.yaml", encoding: .utf8)
        try shipped.write(toFile: site + "/feature_flags.yaml", atomically: true, encoding: .utf8)
        // Production's overlay beside the base, as the shipped layout has it (the exporters fetch it too).
        let overlay = try String(contentsOfFile: CommandRunner.repositoryRoot + "/config/feature_flags_production.yaml", encoding: .utf8)
        try overlay.write(toFile: site + "/feature_flags_production.yaml", atomically: true, encoding: .utf8)
        let nginx = try ExternalServer.nginx(root: site, directory: directory)
        let redis = try ExternalServer.redis(directory: directory)
        let settingsFile = try directory.write("exporter.yaml", Self.settings)
        let source = "http://127.0.0.1:\(nginx.port)/feature_flags.yaml"
        let environment = ["REDIS_URL": "redis://127.0.0.1:\(redis.port)/0"]
        func start(_ shard: String, rate: String, pod: String? = nil) throws -> RunningExporter {
            // Each exporter writes its own log.
            let home = directory.path + "/" + (pod ?? "single")
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            return try RunningExporter(
                [
                    "--config.file", source, "--exporter.config-file", settingsFile, "--environment", "production",
                    "--refresh.mode", "pubsub", shard, "--synthetic.rate", rate,
                ], directory: home, environment: environment.merging(pod.map { ["POD_NAME": $0] } ?? [:]) { $1 })
        }
        // The shards as deploy/kubernetes/base computes them: the StatefulSet's --synthetic.shard=auto/n, each pod
        // named featureflag-exporter-<ordinal>.
        let statefulSet = try DeploymentTests.object(try DeploymentTests.render("deploy/kubernetes/base"), kind: "StatefulSet")
        let shard = try #require((DeploymentTests.container(statefulSet)["args"] as? [String])?.first { $0.hasPrefix("--synthetic.shard=") })
        let podCount = try #require((statefulSet["spec"] as? [String: Any])?["replicas"] as? Int)
        #expect(shard == "--synthetic.shard=auto/\(podCount)" && podCount == 3)
        // Each replica evaluates its third of the population at a third of the rate: the same passes per second.
        let replicas = try (0..<podCount).map { try start(shard, rate: "1000", pod: "featureflag-exporter-\($0)") }
        for (ordinal, replica) in replicas.enumerated() {
            #expect(RunningExporter.eventually(timeout: 10) { replica.log.contains("shard=\(ordinal)/\(podCount)") }, "\(replica.log)")
        }
        let single = try start("--synthetic.shard=0/1", rate: "3000")
        let everyone = replicas + [single]
        let configuration = try directory.write(
            "prometheus.yml",
            """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["\(CommandRunner.repositoryRoot)/alerts/featureflag_exporter.rules.yml"]
            scrape_configs:
              - job_name: replicas
                static_configs: [{targets: [\(replicas.map { "\"127.0.0.1:\($0.port)\"" }.joined(separator: ", "))]}]
              - job_name: single
                static_configs: [{targets: ["127.0.0.1:\(single.port)"]}]

            """)
        let prometheus = try ExternalServer.prometheus(configuration: configuration, directory: directory)
        defer { prometheus.stop() }

        // The rule's ratio per flag, over the replicas' summed counters and over the single exporter's.
        var summed: [String: Double] = [:]
        var whole: [String: Double] = [:]
        #expect(try RunningExporter.eventually(timeout: 60) {
            summed = try Self.realisedShares(prometheus, job: "replicas")
            whole = try Self.realisedShares(prometheus, job: "single")
            return summed.count >= 3 && Set(summed.keys) == Set(whole.keys)
        })
        // The summed ratio weighs each shard by the evaluations its replica made in the window. Replicas started a
        // few seconds apart, or slowed unequally (ThreadSanitizer, four exporters and Prometheus on two cores), make
        // that weighting uneven at first; the difference shrinks as the run grows, a wrong shard split or rule never
        // closes it. So: at least 10 s of whole passes (10 per second), then up to 120 s for every flag to agree
        // within a point.
        Thread.sleep(forTimeInterval: 10)
        func disagreements() throws -> [String] {
            summed = try Self.realisedShares(prometheus, job: "replicas")
            whole = try Self.realisedShares(prometheus, job: "single")
            return whole.compactMap { flag, share in
                guard let replicaShare = summed[flag] else { return "\(flag): no replica share" }
                return abs(replicaShare - share) < 0.01 ? nil : "\(flag): replicas \(replicaShare), single \(share)"
            }
        }
        var differing: [String] = []
        _ = try RunningExporter.eventually(timeout: 120) {
            differing = try disagreements()
            if !differing.isEmpty { Thread.sleep(forTimeInterval: 1) }  // a new evaluation of the rule each second
            return differing.isEmpty
        }
        #expect(summed.count >= 3, "percentage rollouts seen: \(summed)")
        #expect(differing.isEmpty, "\(differing)")
        // Every replica did its share of the work.
        for replica in replicas {
            #expect(try replica.sample("feature_flag_evaluations_total", ["source=\"synthetic\""]) ?? 0 > 0)
        }

        // One PUBLISH: redis counts four subscribers, and every replica serves the new version.
        #expect(try RunningExporter.eventually(timeout: 10) {
            try everyone.allSatisfy { try $0.sample("feature_flag_pubsub_connected") == 1 }
        })
        try shipped.replacingOccurrences(of: "version: \"1.0.0\"", with: "version: \"1.0.1-replicas\"")
            .write(toFile: site + "/feature_flags.yaml", atomically: true, encoding: .utf8)
        #expect(try redisPublish(port: redis.port, channel: "feature_flags:config-changed") == 4)
        for exporter in everyone {
            #expect(try RunningExporter.eventually(timeout: 10) {
                try exporter.sample("feature_flag_config_info", ["version=\"1.0.1-replicas\""]) == 1
            })
            #expect(try exporter.sample("feature_flag_pubsub_messages_total") == 1)
        }
    }
}
