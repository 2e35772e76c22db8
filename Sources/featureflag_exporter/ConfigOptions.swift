import ArgumentParser
import Exporter
import FlagConfig

/// The options every command takes to name its flags, declared once: `--config.file`, `--environment`,
/// `--config.overlay` and `--exporter.config-file`.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .customLong("config.file"),
        help: "The flags file: a path, http(s)://URL or ssm://<parameter>?region=R (default: source.url of the exporter config, else config/feature_flags.yaml).")
    var configFile: String?

    @Option(
        name: .customLong("config.format"),
        help: "The flags file's format: seed, flagd, unleash, or auto (default: for a local file, flagd with a flagd $schema or a flag with defaultVariant, unleash with a features list, else seed). serve, simulate and push read the seed format only so far.")
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

    /// The local flagd or Unleash file these options name, if they name one (explicitly, or detected by `auto`);
    /// a clear error for such a source that is not a local file.
    func otherFormatFile(settings: ExporterSettings) throws -> (format: FlagFileFormat, path: String)? {
        guard format != .seed else { return nil }
        let source = selection(settings: settings).source
        let isLocal = !source.contains("://")
        if format == .flagd || format == .unleash {
            guard isLocal else {
                printToStandardError("featureflag_exporter: \(format.rawValue) files are read from local paths so far, not \(source)")
                throw ExitCode(1)
            }
            return (format == .flagd ? .flagd : .unleash, source)
        }
        guard isLocal, let text = try? FlagConfigLoader.readFile(source) else { return nil }
        let detected = FlagFileFormat.detect(text.text, file: source)
        return detected == .seed ? nil : (detected, source)
    }

    /// A clear error, exit 1, for a flagd or Unleash file given to a command that reads the seed format only (serve, simulate,
    /// push), instead of the seed loader's list of unknown fields.
    func refuseFlagd(settings: ExporterSettings) throws {
        guard let other = try otherFormatFile(settings: settings) else { return }
        printToStandardError(
            "featureflag_exporter: \(other.path) is a\(other.format == .unleash ? "n Unleash" : " flagd") file; this command "
                + "reads the seed format only so far (check and eval read flagd and Unleash files: docs/formats.md)")
        throw ExitCode(1)
    }

    /// The exporter config file in effect: the one named, else `config/exporter.yaml` when it exists.
    var exporterConfigPath: String? {
        exporterConfigFile ?? (FlagConfigLoader.fileExists("config/exporter.yaml") ? "config/exporter.yaml" : nil)
    }

    /// The exporter config, or a clear error and exit 1.
    func settings() throws -> ExporterSettings {
        guard let path = exporterConfigPath else { return ExporterSettings() }
        do {
            return try ExporterSettings.load(path: path)
        } catch {
            printToStandardError("featureflag_exporter: invalid exporter config:\n\(error.description)")
            throw ExitCode(1)
        }
    }

    /// The selection these options make.
    func selection(settings: ExporterSettings) -> ConfigSelection {
        ConfigSelection(
            source: configFile, environment: environment, overlay: overlay, settings: settings,
            variables: ProcessEnvironment.variables())
    }

    /// Loads the config as `serve` would, or prints its errors and exits 1.
    func load(settings: ExporterSettings, strict: Bool = false) throws -> (ConfigSelection, LoadedConfig) {
        try refuseFlagd(settings: settings)
        let selection = selection(settings: settings)
        do {
            return (selection, try selection.load(settings: settings.source, strict: strict))
        } catch {
            printToStandardError(error.description)
            throw ExitCode(1)
        }
    }
}
