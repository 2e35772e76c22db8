import FlagEngine

/// Collects located errors and warnings for a decoder of a JSON/YAML flags format (flagd, Unleash), each with the
/// source line and a caret.
struct DiagnosticCollector {
    private(set) var diagnostics: [ConfigDiagnostic] = []
    private var sources = SourceTexts()

    init(text: String, file: String) {
        sources.add(text, for: file)
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ node: YAMLNode, _ path: [ConfigPathComponent], _ message: String) {
        error(at: node.location, path, message)
    }

    mutating func error(at location: SourceLocation, _ path: [ConfigPathComponent], _ message: String) {
        add(.error, location, path, message)
    }

    mutating func warn(_ node: YAMLNode, _ path: [ConfigPathComponent], _ message: String) {
        add(.warning, node.location, path, message)
    }

    /// A warning for each key of `pairs` that is not in `known`.
    mutating func warnUnknownKeys(_ pairs: [(key: String, keyLocation: SourceLocation, value: YAMLNode)],
                                  _ known: [String], _ path: [ConfigPathComponent]) {
        for pair in pairs where !known.contains(pair.key) {
            add(.warning, pair.keyLocation, path + [.key(pair.key)],
                "unknown field '\(pair.key)' (ignored; known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    private mutating func add(_ severity: ConfigDiagnostic.Severity, _ location: SourceLocation, _ path: [ConfigPathComponent], _ message: String) {
        diagnostics.append(ConfigDiagnostic(severity: severity, location: location, path: formatConfigPath(path),
                                            message: message, excerpt: sources.excerpt(at: location)))
    }
}
