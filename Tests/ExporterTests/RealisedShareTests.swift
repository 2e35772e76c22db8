import Exporter
import Foundation
import FlagConfig
import Settings
import FlagEngine
import Telemetry
import Testing

@Suite("Realised shares of a synthetic population")
struct RealisedShareTests {
    static let now = 1_800_000_000.0

    @Test("shipped config, 100k users: every percentage rollout realises its configured share within 1 point",
          arguments: ["development", "staging", "production"])
    func shippedConfig(environment: String) throws {
        let loaded = try FlagConfigLoader.load(
            path: CommandRunner.repositoryRoot + "/config/feature_flags.yaml", environment: environment)
        let settings = try ExporterSettings.load(path: CommandRunner.repositoryRoot + "/config/exporter.yaml")
        var population = settings.synthetic.population
        population.size = 100_000
        let report = Simulation.run(flagSet: loaded.flagSet, population: population, at: Self.now)
        var checked = 0
        for flag in report.flags where flag.state == .rollout && flag.strategy == "percentage" {
            let realised = try #require(flag.realisedPercentage, "\(flag.key) never reached its rollout")
            #expect(abs(realised - flag.configuredPercentage) <= 1, "\(flag.key): \(realised) vs \(flag.configuredPercentage)")
            checked += 1
        }
        #expect(checked >= 5)
    }

    static let splitFlags = """
        flags:
          colour:
            state: rollout
            default_variant: control
            variants: {control: "grey", blue: "blue", green: "green"}
            rollout:
              strategy: split
              distribution: {control: 50, blue: 30, green: 20}

        """

    @Test("a split's SRM p-value stays above 0.01, and drops below 0.001 when the weights change under the same traffic")
    func sampleRatioMismatch() throws {
        let loaded = try FlagConfigLoader.load(base: ConfigText(name: "split.yaml", text: Self.splitFlags), environment: "production")
        var population = ExporterSettings.Population()
        population.size = 100_000
        let report = Simulation.run(flagSet: loaded.flagSet, population: population, at: Self.now)
        let colour = try #require(report.flags.first)
        #expect(try #require(colour.splitPValue) > 0.01)
        // The same traffic (assigned 50/30/20) judged against weights changed to 40/40/20.
        let observed = colour.variants.map { UInt64(($0.realisedSplitShare! / 100 * 100_000).rounded()) }
        #expect(ChiSquare.pValue(observed: observed, expectedShares: [40, 40, 20]) < 0.001)
    }

    @Test("the telemetry's SRM gauge: fresh after a config change, then tracking the new weights")
    func srmGaugeResets() throws {
        let telemetry = ExporterTelemetry(version: "t", revision: "t", swiftVersion: "t")
        let loaded = try FlagConfigLoader.load(base: ConfigText(name: "split.yaml", text: Self.splitFlags), environment: "production")
        telemetry.configure(loaded.flagSet, now: Self.now)
        var population = ExporterSettings.Population()
        population.size = 20_000
        var runner = SyntheticRunner(population: SyntheticPopulation(settings: population), flags: [])
        runner.run(contexts: 20_000, on: loaded.flagSet)
        runner.flush(into: telemetry.evaluations, source: .synthetic)
        #expect(telemetry.evaluations.splitCounts(flagKey: "colour", source: .synthetic)?.reduce(0, +) == 20_000)
        let changed = try FlagConfigLoader.load(
            base: ConfigText(name: "split.yaml", text: Self.splitFlags.replacingOccurrences(of: "blue: 30, green: 20", with: "blue: 25, green: 25")),
            environment: "production")
        telemetry.configure(changed.flagSet, now: Self.now)
        #expect(telemetry.evaluations.splitCounts(flagKey: "colour", source: .synthetic) == nil)
        let rendered = String(decoding: telemetry.render(now: Self.now), as: UTF8.self)
        #expect(!rendered.contains("feature_flag_split_srm_p_value{"))
    }

    @Test("shards split one population without overlap and cover all of it")
    func shards() {
        var population = ExporterSettings.Population()
        population.size = 1001
        var seen = Set<String>()
        var total = 0
        for index in 0..<3 {
            let shard = SyntheticPopulation(settings: population, shard: PopulationShard(index: index, count: 3))
            for position in 0..<shard.count {
                seen.insert(shard.context(member: shard.memberNumber(at: position)).userID!)
                total += 1
            }
        }
        #expect(total == 1001)
        #expect(seen.count == 1001)
        #expect(PopulationShard(parsing: "3/3") == nil)
        #expect(PopulationShard(parsing: "2/3") == PopulationShard(index: 2, count: 3))
    }
}
