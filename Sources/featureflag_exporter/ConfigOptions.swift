import ArgumentParser
import Exporter
import FlagConfig
import Settings
import FlagEngine

/// The options every command takes to name its flags, declared once: `--config.file`, `--environment`,
/// `--config.overlay` and `--exporter.config-file`.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .customLong("config.file"),
        help: "The flags file: a path, http(s)://URL or ssm://<parameter>?region=R (default: source.url of the exporter config, else config/feature_flags.yaml).")
    var configFile: String?

    @Option(
        name: .customLong("config.format"),
        help: "The flags file's format: seed, flagd, unleash, or auto (default: source.format of the exporter config, else auto: flagd with a flagd $schema or a flag with defaultVariant, unleash with a features list, else seed; read from each fetched text).")
    var format: FormatChoice = .auto

    @Option(help: "Environment whose overlay applies (default: $ENVIRONMENT, else development). A named environment the config does not know is an error.")
    var environment: String?

    @Option(
        name: .customLong("config.overlay"),
        help: "Where the environment's overlay is: beside (default: <stem>_<environment>.yaml beside the flags file, URL or SSM parameter), none (on purpose), or a path, URL or ssm:// source.")
    var overlay: String?

    @Option(
        name: .customLong("exporter.config-file"),
        help: "The exporter config: source, population, canaries, mirror and push settings (default: config/exporter.yaml when it exists).")
    var exporterConfigFile: String?

    /// `--config.format`'s values.
    enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, seed, flagd, unleash
    }

    /// The exporter config file in effect: the one named, else `config/exporter.yaml` when it exists.
    var exporterConfigPath: String? {
        exporterConfigFile ?? (FlagConfigLoader.fileExists("config/exporter.yaml") ? "config/exporter.yaml" : nil)
    }

    /// The exporter config with `--config.format` applied, or a clear error and exit 1.
    func settings() throws -> ExporterSettings {
        var settings = ExporterSettings()
        if let path = exporterConfigPath {
            do {
                settings = try ExporterSettings.load(path: path)
                for warning in settings.warnings { printToStandardError("featureflag_exporter: \(warning.description)") }
            } catch {
                printToStandardError("featureflag_exporter: invalid exporter config:\n\(error.description)")
                throw ExitCode(1)
            }
        }
        if format != .auto { settings.source.format = FlagFileFormat(rawValue: format.rawValue) }
        return settings
    }

    /// The selection these options make.
    func selection(settings: ExporterSettings) -> ConfigSelection {
        ConfigSelection(
            source: configFile, environment: environment, overlay: overlay, settings: settings,
            variables: ProcessEnvironment.variables())
    }

    /// Loads the config as `serve` would (or `source` instead of the one these options name, in its own format), or
    /// prints its errors and exits 1.
    func load(settings: ExporterSettings, strict: Bool = false, source: String? = nil) throws -> (ConfigSelection, LoadedConfig) {
        var settings = settings
        var selection = selection(settings: settings)
        if let source {
            selection.source = source
            settings.source.format = nil
        }
        do {
            return (selection, try selection.load(settings: settings.source, strict: strict))
        } catch {
            printToStandardError(error.description)
            throw ExitCode(1)
        }
    }
}
