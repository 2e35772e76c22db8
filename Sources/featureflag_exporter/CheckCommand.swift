public import ArgumentParser
import Exporter
import FlagConfig
import Settings
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

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Treat warnings (unknown fields) as errors.")
    var strict = false

    @Option(help: "Output format: text or json.")
    var output: CheckReport.Format = .text

    func run() throws {
        let settings = try config.settings()
        let selection = config.selection(settings: settings)
        if let format = formatHint(selection, settings: settings), format != .seed {
            return try checkOther(selection, settings: settings)
        }
        let checks: [ConfigSelection] =
            selection.environmentIsExplicit
            ? [selection]
            : selection.knownEnvironments(settings: settings.source).map { selection.with(environment: $0, explicit: false) }
        let now = EvaluationClock.system.now()
        var failed = false
        var reports: [String] = []
        for check in checks {
            do {
                let loaded = try check.load(settings: settings.source, strict: strict)
                // A remote flagd or Unleash source shows its format once fetched: one check, in its own terms.
                if loaded.flagSet.format != .seed {
                    print(report(loaded))
                    return
                }
                reports.append(CheckReport.render(loaded, format: output, at: now))
            } catch {
                failed = true
                reports.append(CheckReport.render(error, environment: check.environment, format: output))
                // A source that cannot be read fails the same way in every environment: say it once.
                if error.stage == .io, error.diagnostics.allSatisfy({ $0.location.file == selection.source }) { break }
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

extension CheckCommand {
    /// The format the selection names or, for a local file, the one its text shows; `nil` until fetched.
    func formatHint(_ selection: ConfigSelection, settings: ExporterSettings) -> FlagFileFormat? {
        if let format = settings.source.format { return format }
        guard !selection.source.contains("://"), let text = try? FlagConfigLoader.readFile(selection.source) else { return nil }
        return FlagFileFormat.detect(text.text, file: selection.source)
    }

    /// A flagd or Unleash source has no environments: one check, its errors on standard error.
    func checkOther(_ selection: ConfigSelection, settings: ExporterSettings) throws {
        do {
            print(report(try selection.load(settings: settings.source, strict: strict)))
        } catch {
            printToStandardError(error.description)
            throw ExitCode(1)
        }
    }

    /// A flagd or Unleash config's report in that format's terms (with --strict its warnings were errors already).
    func report(_ loaded: LoadedConfig) -> String {
        let file = loaded.flagSet.info.source
        if let toggles = loaded.flagSet.unleashToggles {
            return UnleashReport.render(toggles, warnings: loaded.warnings, file: file, format: output)
        }
        return FlagdReport.render(loaded.flagSet.flagdDefinitions ?? FlagdFlagSet(flags: []), warnings: loaded.warnings, file: file, format: output)
    }
}

extension CheckReport.Format: ExpressibleByArgument {}
