public import ArgumentParser
import Exporter
import FlagConfig
import FlagEngine
#if canImport(Glibc)
import Glibc
#endif

/// `check`: validate a flags file and print the effective flags of each environment.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a flags file and print the effective flags.",
        discussion: """
            Without --environment (and without ENVIRONMENT set), every environment the file knows is checked: \
            development, staging, production, those under `environments:` and those with an overlay file. \
            Exits 0 when every checked environment loads, 1 otherwise.
            """
    )

    @Option(name: .customLong("config.file"), help: "Path of the flags file.")
    var configFile: String = "config/feature_flags.yaml"

    @Option(help: "Environment to check (default: $ENVIRONMENT, else every known environment).")
    var environment: String?

    @Flag(help: "Treat warnings (unknown fields) as errors.")
    var strict = false

    @Option(help: "Output format: text or json.")
    var output: CheckReport.Format = .text

    func run() throws {
        let variables = ProcessEnvironment.variables()
        let environments: [String]
        if let environment {
            environments = [environment]
        } else if let fromVariable = variables["ENVIRONMENT"], !fromVariable.isEmpty {
            environments = [fromVariable]
        } else {
            environments = KnownEnvironments.list(forConfigAt: configFile)
        }
        let now = EvaluationClock.system.now()
        var failed = false
        var reports: [String] = []
        for name in environments {
            do {
                let loaded = try FlagConfigLoader.load(path: configFile, environment: name, strict: strict)
                reports.append(CheckReport.render(loaded, format: output, at: now))
            } catch {
                failed = true
                reports.append(CheckReport.render(error, environment: name, format: output))
            }
        }
        switch output {
        case .json:
            print(reports.count == 1 ? reports[0] : "[" + reports.joined(separator: ",") + "]")
        case .text:
            print(reports.joined(separator: "\n\n"))
        }
        if failed { throw ExitCode(1) }
    }
}

extension CheckReport.Format: ExpressibleByArgument {}
