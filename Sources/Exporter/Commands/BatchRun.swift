import FlagConfig
public import Settings
import FlagEngine
import FlagSync
public import Logging
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

/// One batch run of `featureflag_exporter push`: load the config once, evaluate, and render the registry that the
/// Pushgateway gets (the same families `/metrics` serves).
public struct BatchRun: Sendable {
    /// The flags: source, environment and overlay, read as every command reads them.
    public var selection: ConfigSelection
    public var settings: ExporterSettings
    /// Synthetic users to evaluate (members `0 ..< users` of the modelled population); `nil` runs none.
    public var users: Int?
    /// A JSON-lines file of real decisions to replay once, as the mirror feed reads them; `nil` replays none.
    public var mirrorFile: String?
    public var variables: [String: String]

    public init(
        selection: ConfigSelection, settings: ExporterSettings, users: Int?, mirrorFile: String?,
        variables: [String: String]
    ) {
        self.selection = selection
        self.settings = settings
        self.users = users
        self.mirrorFile = mirrorFile
        self.variables = variables
    }

    /// What the run evaluated, and the exposition to push.
    public struct Result: Sendable {
        public var body: [UInt8]
        public var flags: Int
        public var configVersion: String
        /// Synthetic users evaluated (each against every chosen flag).
        public var syntheticUsers: Int
        public var mirroredLines: Int
        public var mirrorMismatches: Int
    }

    /// Runs it. Throws ``BatchRunError`` when the config cannot be loaded or the mirror file cannot be read.
    public func run(logger: Logger) throws(BatchRunError) -> Result {
        let fetcher: SourceFetcher
        do {
            fetcher = try selection.fetcher(settings: settings.source)
        } catch {
            throw BatchRunError(description: error.description)
        }
        let telemetry = ExporterTelemetry(
            version: BuildInfo.version, revision: BuildInfo.revision, swiftVersion: BuildInfo.swiftVersion)
        let runtime = ConfigRuntime(
            synchronizer: ConfigSynchronizer(fetcher: fetcher, breaker: CircuitBreaker(), cache: nil),
            telemetry: telemetry, environment: selection.environment, refreshMode: .none, logger: logger)
        let report = runtime.check(trigger: .startup)
        guard report.succeeded else {
            throw BatchRunError(description: report.errorDescription ?? "the config could not be loaded")
        }
        let flagSet = runtime.store.snapshot
        var result = Result(
            body: [], flags: flagSet.count, configVersion: flagSet.info.version, syntheticUsers: 0,
            mirroredLines: 0, mirrorMismatches: 0)

        if let users, users > 0 {
            var population = settings.synthetic.population
            population.size = users
            var runner = SyntheticRunner(
                population: SyntheticPopulation(settings: population), flags: settings.synthetic.flags)
            var done = 0
            while done < users {
                let slice = min(10_000, users - done)
                runner.run(contexts: slice, on: flagSet)
                runner.flush(into: telemetry.evaluations, source: .synthetic)
                done += slice
            }
            result.syntheticUsers = done
        }

        var mirror: MirrorEvaluator?
        if let mirrorFile {
            // A replay is a batch: the live-traffic rate limit does not apply.
            var limits = settings.mirror
            limits.rateLimit = 1e15
            let evaluator = MirrorEvaluator(
                store: runtime.store, evaluations: telemetry.evaluations, mirrorMetrics: telemetry.mirror,
                settings: limits, shardCount: 1)
            mirror = evaluator
            let counts = try Self.replay(mirrorFile, into: evaluator, logger: logger)
            result.mirroredLines = counts.lines
            result.mirrorMismatches = counts.mismatches
        }
        result.body = telemetry.exposition(flushing: mirror, now: EvaluationClock.system.now())
        return result
    }

    /// Evaluates every line of `path` once, from the start.
    static func replay(_ path: String, into evaluator: MirrorEvaluator, logger: Logger) throws(BatchRunError)
        -> (lines: Int, mismatches: Int)
    {
        let probe = open(path, O_RDONLY | O_CLOEXEC)
        guard probe >= 0 else {
            throw BatchRunError(description: "\(path): cannot open the mirror file: \(String(cString: strerror(errno)))")
        }
        close(probe)
        let feed = MirrorFeed(path: path, evaluator: evaluator, logger: logger)
        var tail = FileTail(path: path, maximumLineBytes: evaluator.settings.maximumLineBytes)
        var lines = 0
        var mismatches = 0
        func handle(_ events: [FileTail.Event]) {
            for event in events {
                switch event {
                case .line(let bytes):
                    lines += 1
                    if feed.process(bytes) == true { mismatches += 1 }
                case .tooLong:
                    evaluator.mirrorMetrics.recordDropped(.tooLarge)
                }
            }
        }
        while true {
            let batch = tail.readLines(budgetBytes: 4 << 20)
            if batch.bytes == 0 && batch.events.isEmpty { break }
            handle(batch.events)
        }
        handle(tail.finish())
        return (lines, mismatches)
    }
}

/// Why a batch run could not produce metrics: the config or the mirror file (exit status 1 of `push`).
public struct BatchRunError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
