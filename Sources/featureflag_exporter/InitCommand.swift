import ArgumentParser
import Exporter
import FlagConfig

/// `init`: a starter bundle for a team adopting the exporter.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter bundle: flags file and overlays, exporter.yaml, dashboards, alert rules, prometheus.yml.",
        discussion: "Existing files are never overwritten without --force; with any in the way, nothing is written."
    )

    @Option(help: "The directory to write into (created if missing).")
    var dir: String

    @Option(help: "Write only this environment's overlay (an empty one when the shipped config has none for it).")
    var environment: String?

    @Flag(name: .customLong("dry-run"), help: "List what would be written, and write nothing.")
    var dryRun = false

    @Flag(help: "Overwrite existing files.")
    var force = false

    func validate() throws {
        guard !dir.isEmpty else { throw ValidationError("--dir must not be empty") }
        if let environment, environment.isEmpty || !environment.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            throw ValidationError("--environment '\(environment)' must be letters, digits, _ or -")
        }
    }

    func run() throws {
        let directory = dir.count > 1 && dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        do {
            let actions = try StarterBundle.write(
                StarterBundle.files(environment: environment), to: directory, force: force, dryRun: dryRun)
            for action in actions {
                print("\(dryRun ? "would \(action.action.rawValue)" : action.action == .create ? "created" : "overwrote") \(action.path)")
            }
            if !dryRun {
                let environmentFlag = environment.map { " --environment \($0)" } ?? ""
                print(
                    "next: featureflag_exporter check --config.file \(directory)/feature_flags.yaml\(environmentFlag)")
            }
        } catch {
            printToStandardError("featureflag_exporter: \(error.message)")
            throw ExitCode(1)
        }
    }
}
