import ArgumentParser
import Exporter

/// `featureflag_exporter`: the command line. Argument parsing only; the work lives in the library modules.
@main
struct FeatureflagExporter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "featureflag_exporter",
        abstract: "Watches feature-flag rollouts from the Prometheus side.",
        discussion: """
            Loads the same flags file your applications use, evaluates it exactly as they do, and reports what \
            each rollout really does. See docs/configuration.md for the flags file.
            """,
        version: "\(BuildInfo.version) (revision \(BuildInfo.revision), Swift \(BuildInfo.swiftVersion))",
        subcommands: [ServeCommand.self, CheckCommand.self, EvalCommand.self, SimulateCommand.self, PushCommand.self, InitCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
