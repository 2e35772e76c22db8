public import FlagConfig
public import Settings
public import FlagSync

/// Which flags a command works on: the source, the environment and how its overlay is found. `check`, `eval`,
/// `simulate`, `push` and `serve` all read their config through this one type, so every command takes every source
/// (`path`, `http(s)://`, `ssm://`) with its overlays, the same way.
public struct ConfigSelection: Sendable {
    /// A path, `http(s)://...` or `ssm://...`, as `--config.file` takes it.
    public var source: String
    /// The active environment.
    public var environment: String
    /// Whether the user named the environment (`--environment`, `ENVIRONMENT`) rather than taking the default.
    public var environmentIsExplicit: Bool
    /// `--config.overlay`, overriding `source.overlay` of the exporter file.
    public var overlay: ExporterSettings.Overlay?
    /// The process environment (AWS credentials, header secrets, ENVIRONMENT).
    public var variables: [String: String]

    /// The source given, else `source.url` of the exporter file, else `config/feature_flags.yaml`; the environment
    /// given, else `ENVIRONMENT`, else `development`.
    public init(
        source: String?, environment: String?, overlay: String?, settings: ExporterSettings, variables: [String: String]
    ) {
        self.source = source ?? settings.source.url ?? "config/feature_flags.yaml"
        let fromVariable = variables["ENVIRONMENT"].flatMap { $0.isEmpty ? nil : $0 }
        self.environment = FlagConfigLoader.activeEnvironment(explicit: environment, environmentVariables: variables)
        environmentIsExplicit = (environment.map { !$0.isEmpty } ?? false) || fromVariable != nil
        self.overlay = overlay.map(ExporterSettings.Overlay.init(parsing:))
        self.variables = variables
    }

    /// The same selection for another environment (`check` over every environment).
    public func with(environment: String, explicit: Bool) -> ConfigSelection {
        var copy = self
        copy.environment = environment
        copy.environmentIsExplicit = explicit
        return copy
    }

    /// The fetcher `serve` and every command use for this selection.
    public func fetcher(settings: ExporterSettings.Source) throws(ConfigSourceError) -> SourceFetcher {
        let parsed = try ConfigSource(parsing: source, environment: variables)
        var options = settings
        if let overlay { options.overlay = overlay }
        return SourceFetcher(
            source: parsed, environment: environment, options: options, variables: variables,
            environmentIsExplicit: environmentIsExplicit)
    }

    /// Fetches, validates and compiles the config once, exactly as `serve`'s first check does.
    ///
    /// - Throws: ``FlagConfigError``: the config's own errors, located; a source that cannot be named, reached or
    ///   read is one error located at the source as a whole (stage `io`).
    public func load(settings: ExporterSettings.Source, strict: Bool = false) throws(FlagConfigError) -> LoadedConfig {
        let fetcher: SourceFetcher
        do {
            fetcher = try self.fetcher(settings: settings)
        } catch {
            throw Self.sourceError(source, error.message)
        }
        let synchronizer = ConfigSynchronizer(fetcher: fetcher, breaker: CircuitBreaker(), cache: nil, strict: strict)
        let report = synchronizer.check(trigger: .startup)
        switch report.outcome {
        case .applied(let loaded): return loaded
        case .rejected(let error): throw error
        case .failed(let error):
            if let fileError = error.fileError { throw fileError }
            throw Self.sourceError(fetcher.source.description, error.message)
        case .unchanged, .breakerOpen: throw Self.sourceError(fetcher.source.description, "no config was loaded")
        }
    }

    /// One error about the source as a whole. A file's own messages already start with its path.
    static func sourceError(_ source: String, _ message: String) -> FlagConfigError {
        let text = message.hasPrefix(source + ": ") ? String(message.dropFirst(source.count + 2)) : message
        return FlagConfigError(
            diagnostics: [ConfigDiagnostic(severity: .error, location: SourceLocation(file: source), path: "", message: text)],
            stage: .io)
    }

    /// The environments `check` covers when none is named: development, staging and production, then those the
    /// config declares (sections of a remote base; sections and overlay files of a local one).
    public func knownEnvironments(settings: ExporterSettings.Source) -> [String] {
        guard let fetcher = try? fetcher(settings: settings) else { return ["development", "staging", "production"] }
        if case .file(let path) = fetcher.source { return KnownEnvironments.list(forConfigAt: path) }
        var names = ["development", "staging", "production"]
        if case .fetched(let fetched)? = try? fetcher.fetch(validator: nil) {
            for name in FlagConfigLoader.environmentSections(of: fetched.base) where !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }
}
