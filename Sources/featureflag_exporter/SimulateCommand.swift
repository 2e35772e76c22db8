import ArgumentParser
import Exporter
import FlagConfig
import Settings
import FlagEngine
#if canImport(Glibc)
import Glibc
#endif

/// `simulate`: N synthetic users through the config, realised against configured shares.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Evaluate N synthetic users and print realised against configured shares per flag and variant."
    )

    @OptionGroup var config: ConfigOptions

    @Option(help: "Number of users (population members 0 ..< N).")
    var users = 100_000

    @Option(help: "Only this flag (repeatable).")
    var flag: [String] = []

    @Option(
        name: .customLong("population"),
        help: "An exporter config file whose synthetic.population models the users (default: config/exporter.yaml if present).")
    var populationFile: String?

    @Option(help: "Output format: table or json.")
    var output: OutputFormat = .table

    @Option(
        name: .customLong("compare"),
        help: "Another flags file (a path, URL or ssm:// source, any format): report per flag how many users it would serve another value or variant.")
    var compare: String?

    enum OutputFormat: String, ExpressibleByArgument {
        case table
        case json
    }

    func validate() throws {
        guard users >= 1 && users <= 1_000_000_000 else { throw ValidationError("--users must be between 1 and 1000000000") }
    }

    func run() throws {
        let (selection, loaded) = try config.load(settings: try config.settings())
        for key in flag where loaded.flagSet.index(of: key) == nil {
            printToStandardError("featureflag_exporter: flag '\(key)' is not in \(selection.source)")
            throw ExitCode(1)
        }
        var populationSettings = ExporterSettings.Population()
        let settingsPath = populationFile ?? config.exporterConfigPath
        if let settingsPath {
            do {
                populationSettings = try ExporterSettings.load(path: settingsPath).synthetic.population
            } catch {
                printToStandardError(error.description)
                throw ExitCode(1)
            }
        }
        populationSettings.size = users
        let now = EvaluationClock.system.now()
        if let compare {
            let other = try config.load(settings: try config.settings(), source: compare).1
            let report = ComparisonReport.run(before: loaded.flagSet, after: other.flagSet, population: populationSettings, flags: flag, at: now)
            print(output == .json ? report.json : report.table, terminator: output == .json ? "\n" : "")
            return
        }
        let showProgress = isatty(STDERR_FILENO) != 0
        let report = Simulation.run(
            flagSet: loaded.flagSet, population: populationSettings, flags: flag, at: now
        ) { done in
            guard showProgress else { return }
            let width = 40
            let filled = Int(Double(width) * Double(done) / Double(users))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            printToStandardError("\r[\(bar)] \(done)/\(users)", newline: false)
        }
        if showProgress { printToStandardError("") }
        print(output == .json ? report.json : report.table, terminator: output == .json ? "\n" : "")
    }
}
