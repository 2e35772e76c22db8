import FlagConfig
public import Settings
public import FlagEngine
public import Logging
public import ServiceLifecycle
public import Telemetry
import SystemIO

/// Evaluates the modelled population at the configured rate, every 100 ms a slice, and hands the counts to
/// telemetry once per slice.
public struct SyntheticDriver: Service {
    let store: FlagStore
    let evaluations: EvaluationMetrics
    let settings: ExporterSettings.Synthetic
    let population: SyntheticPopulation
    let logger: Logger
    /// One evaluation in this many is timed for `feature_flag_evaluation_duration_seconds`.
    static let durationSampleEvery = 1024
    static let tick = 0.1

    public init(
        store: FlagStore, evaluations: EvaluationMetrics, settings: ExporterSettings.Synthetic, shard: PopulationShard,
        logger: Logger
    ) {
        self.store = store
        self.evaluations = evaluations
        self.settings = settings
        self.population = SyntheticPopulation(settings: settings.population, shard: shard)
        self.logger = logger
    }

    public func run() async throws {
        logger.info(
            "synthetic traffic started",
            metadata: [
                "rate": .stringConvertible(settings.rate), "population": .stringConvertible(settings.population.size),
                "shard": "\(population.shard)", "members": .stringConvertible(population.count),
            ])
        try? await cancelWhenGracefulShutdown { try await loop() }
    }

    func loop() async throws {
        var runner = SyntheticRunner(population: population, flags: settings.flags)
        var carry = 0.0
        while !Task.isCancelled {
            let started = SystemClock.monotonicSeconds()
            let flagSet = store.snapshot
            if flagSet.count > 0 && population.count > 0 {
                carry = min(carry + settings.rate * Self.tick, settings.rate)
                let contexts = Int(carry)
                carry -= Double(contexts)
                runner.run(contexts: contexts, on: flagSet)
                runner.flush(into: evaluations, source: .synthetic)
            }
            let elapsed = SystemClock.monotonicSeconds() - started
            try await Task.sleep(for: .seconds(max(0.001, Self.tick - elapsed)))
        }
    }
}

/// The evaluation loop of the synthetic driver and of `simulate`: walks the population in order, evaluates the
/// chosen flags for each member, and counts into its tally.
public struct SyntheticRunner: Sendable {
    public let population: SyntheticPopulation
    let flagKeys: [String]
    public private(set) var tally: EvaluationTally?
    private var flagIndices: [Int] = []
    private var position = 0
    private var context = EvaluationContext()
    private var sampleCountdown = 1
    private var sampledSlot = 0

    /// - Parameter flags: the flags to evaluate; empty means all.
    public init(population: SyntheticPopulation, flags: [String]) {
        self.population = population
        self.flagKeys = flags
    }

    /// Hands the counts so far to `evaluations`.
    public mutating func flush(into evaluations: EvaluationMetrics, source: EvaluationSource) {
        guard tally != nil else { return }
        evaluations.flush(&tally!, source: source)
    }

    /// Evaluates the next `contexts` members against `flagSet` (starting a new tally when the set changed).
    public mutating func run(contexts: Int, on flagSet: FlagSet, clock: EvaluationClock = .system) {
        if tally == nil || tally!.flagSet.info.checksum != flagSet.info.checksum || tally!.flagSet.count != flagSet.count {
            tally = EvaluationTally(flagSet: flagSet)
            flagIndices = flagKeys.isEmpty ? Array(0..<flagSet.count) : flagKeys.compactMap { flagSet.index(of: $0) }
        }
        let members = population.count
        guard members > 0 else { return }
        // The tally is moved into a local for the loop, so its arrays stay uniquely referenced and unwrapped once.
        var counts = tally.take()!
        defer { tally = counts }
        // One evaluation in `durationSampleEvery` is timed: every so many contexts, one flag (in turn) of that
        // context. The other contexts run a loop with nothing in it but evaluating and counting.
        let contextsPerSample = max(1, SyntheticDriver.durationSampleEvery / max(1, flagIndices.count))
        let flagIndices = self.flagIndices
        for _ in 0..<contexts {
            population.fill(&context, member: population.memberNumber(at: position))
            position += 1
            if position == members { position = 0 }
            sampleCountdown -= 1
            if sampleCountdown > 0 {
                for index in flagIndices {
                    counts.record(flagSet.evaluate(flagAt: index, in: context, clock: clock))
                }
                continue
            }
            sampleCountdown = contextsPerSample
            sampledSlot = sampledSlot < flagIndices.count - 1 ? sampledSlot + 1 : 0
            for (slot, index) in flagIndices.enumerated() {
                if slot == sampledSlot {
                    let started = SystemClock.monotonicSeconds()
                    let outcome = flagSet.evaluate(flagAt: index, in: context, clock: clock)
                    counts.recordDuration(seconds: SystemClock.monotonicSeconds() - started)
                    counts.record(outcome)
                } else {
                    counts.record(flagSet.evaluate(flagAt: index, in: context, clock: clock))
                }
            }
        }
    }
}
