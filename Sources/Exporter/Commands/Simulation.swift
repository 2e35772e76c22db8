import FlagConfig
public import Settings
public import FlagEngine
import Telemetry

/// Runs a population through a flag set once (what `simulate` and the realised-share tests do).
public enum Simulation {
    /// Evaluates members `0 ..< population.size` against every flag (or `flags`) and reports the shares.
    ///
    /// - Parameter progress: called with the number of users done, about 100 times over the run.
    public static func run(
        flagSet: FlagSet, population: ExporterSettings.Population, flags: [String] = [], at time: Double,
        progress: (Int) -> Void = { _ in }
    ) -> SimulationReport {
        var runner = SyntheticRunner(population: SyntheticPopulation(settings: population), flags: flags)
        let step = max(1, population.size / 100)
        var done = 0
        let clock = EvaluationClock.fixed(time)
        while done < population.size {
            let batch = min(step, population.size - done)
            runner.run(contexts: batch, on: flagSet, clock: clock)
            done += batch
            progress(done)
        }
        let tally = runner.tally ?? EvaluationTally(flagSet: flagSet)
        return SimulationReport(tally: tally, users: population.size, at: time, flagKeys: flags)
    }
}
