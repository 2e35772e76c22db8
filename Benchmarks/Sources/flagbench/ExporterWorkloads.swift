import Exporter
import FlagConfig
import Settings
import FlagEngine
import Telemetry

/// The exporter's workloads: scrape-1k of WORKLOADS.md, and the synthetic driver's cost.
enum ExporterWorkloads {
    /// scrape-1k: `/metrics` for 1,000 flags after synthetic traffic has evaluated every flag in every variant and
    /// reason the config can produce. Median of 20 renders.
    static func scrape1k() -> String {
        let telemetry = registry1k()
        var times: [Double] = []
        var bytes = 0
        for _ in 0..<20 {
            let start = Workloads.monotonicSeconds()
            bytes = telemetry.render(now: 0).count
            times.append(Workloads.monotonicSeconds() - start)
        }
        return "workload=scrape-1k ms=\(Workloads.format(Workloads.median(times) * 1000)) bytes=\(bytes)"
    }

    /// The registry of 1,000 flags after synthetic traffic has evaluated every flag in every variant and reason the
    /// config can produce, from every source (scrape-1k and push-1k).
    static func registry1k() -> ExporterTelemetry {
        let yaml = GeneratedConfig.yaml(flags: 1_000)
        let loaded = try! FlagConfigLoader.load(base: ConfigText(name: "generated.yaml", text: yaml), environment: "production")
        let telemetry = ExporterTelemetry(version: "bench", revision: "bench", swiftVersion: "6.3")
        telemetry.configure(loaded.flagSet, now: 0)
        var population = ExporterSettings.Population()
        population.size = 5_000
        population.userTypes = [.init(value: .string("admin"), weight: 10), .init(value: .string("user"), weight: 90)]
        for source in [EvaluationSource.synthetic, .canary, .mirror] {
            var runner = SyntheticRunner(population: SyntheticPopulation(settings: population), flags: [])
            runner.run(contexts: 5_000, on: loaded.flagSet)
            runner.flush(into: telemetry.evaluations, source: source)
        }
        return telemetry
    }

    /// synthetic-100k: the synthetic driver's work for one second at 100,000 contexts/s on the shipped config's 20
    /// flags (evaluate, count, flush), as a fraction of one core; and the cost of counting against evaluating
    /// alone.
    static func synthetic() -> String {
        let loaded = try! FlagConfigLoader.load(
            base: ConfigText(name: "feature_flags.yaml", text: shippedConfig()), environment: "production")
        var population = ExporterSettings.Population()
        population.size = 100_000
        population.userTypes = [.init(value: .string("admin"), weight: 2), .init(value: .string("developer"), weight: 8), .init(value: .string("user"), weight: 90)]
        let telemetry = ExporterTelemetry(version: "bench", revision: "bench", swiftVersion: "6.3")
        telemetry.configure(loaded.flagSet, now: 0)
        let synthetic = SyntheticPopulation(settings: population)
        var withCounting: [Double] = []
        var evaluateOnly: [Double] = []
        for _ in 0..<5 {
            var runner = SyntheticRunner(population: synthetic, flags: [])
            let start = Workloads.monotonicSeconds()
            for _ in 0..<10 {
                runner.run(contexts: 10_000, on: loaded.flagSet)
                runner.flush(into: telemetry.evaluations, source: .synthetic)
            }
            withCounting.append(Workloads.monotonicSeconds() - start)

            var context = EvaluationContext()
            var served = 0
            let bare = Workloads.monotonicSeconds()
            for member in 0..<100_000 {
                synthetic.fill(&context, member: member)
                for index in 0..<loaded.flagSet.count {
                    served &+= loaded.flagSet.evaluate(flagAt: index, in: context).variantIndex
                }
            }
            evaluateOnly.append(Workloads.monotonicSeconds() - bare)
            precondition(served >= 0)
        }
        let counted = Workloads.median(withCounting)
        let bare = Workloads.median(evaluateOnly)
        return "workload=synthetic-100k contexts=100000 flags=\(loaded.flagSet.count) core_fraction=\(Workloads.format(counted * 100) )% evaluate_only_core_fraction=\(Workloads.format(bare * 100))% counting_overhead=\(Workloads.format((counted / bare - 1) * 100))%"
    }

    /// The project's root, from this file's place in it, so the workload finds the shipped config from any folder.
    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<4 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()

    /// The shipped config (FLAGBENCH_CONFIG names another).
    static func shippedConfig() -> String {
        let path = ProcessEnvironmentReader.value("FLAGBENCH_CONFIG") ?? repositoryRoot + "/config/feature_flags.yaml"
        let loaded = try! FlagConfigLoader.readFile(path)
        return loaded.text
    }
}

extension ExporterWorkloads {
    /// configure-Nk: applying a config of N generated flags to the metrics, as each reload does: `ms` on fresh metrics
    /// (every flag under the series cap gets its zero-valued counters), `replace_ms` replacing it with N other flags
    /// (every series of the first config dropped, the new ones made); milliseconds, median of 3.
    static func configure(flags count: Int) -> String {
        func load(_ keyPrefix: String) -> FlagSet {
            let yaml = GeneratedConfig.yaml(flags: count, keyPrefix: keyPrefix)
            return try! FlagConfigLoader.load(base: ConfigText(name: "generated.yaml", text: yaml), environment: "production")
                .flagSet
        }
        let (first, second) = (load("flag_"), load("next_"))
        var times: [Double] = []
        var replaceTimes: [Double] = []
        for _ in 0..<3 {
            let telemetry = ExporterTelemetry(version: "bench", revision: "bench", swiftVersion: "6.3", maximumFlagSeries: count)
            var start = Workloads.monotonicSeconds()
            telemetry.configure(first, now: 0)
            times.append(Workloads.monotonicSeconds() - start)
            start = Workloads.monotonicSeconds()
            telemetry.configure(second, now: 0)
            replaceTimes.append(Workloads.monotonicSeconds() - start)
        }
        return "workload=configure-\(count / 1000)k ms=\(Workloads.format(Workloads.median(times) * 1000))"
            + " replace_ms=\(Workloads.format(Workloads.median(replaceTimes) * 1000)) flags=\(count)"
    }
}
