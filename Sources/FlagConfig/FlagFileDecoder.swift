import FlagEngine
import Locking

/// Turns the effective YAML tree into flag definitions, reporting every problem at its line and column.
///
/// Names (variant names, flag keys in references, rule variants, user ids) are always read as the scalar's text, so
/// `default_variant: off` means the variant "off" rather than `false`.
struct FlagFileDecoder: Sendable {
    private(set) var diagnostics: [ConfigDiagnostic] = []
    let sources: SourceTexts
    /// Conditions already compiled in this file, by text: flags often share a rule, and then share its tree.
    var compiledConditions: [String: Condition] = [:]

    init(sources: SourceTexts) {
        self.sources = sources
    }

    struct Decoded {
        var definitions: [FlagDefinition] = []
        var settings = GlobalSettings()
        var version = ""
        var schemaVersion = ""
        var alertThresholds: [String: Double] = [:]
    }

    static let topLevelKeys: [String] = [
        "version", "schema_version", "updated_at", "description", "global", "flags", "environments", "alerts",
    ]
    static let globalKeys: [String] = [
        "default_rollout_percentage", "sticky_bucketing", "evaluation_timeout_ms", "metrics_enabled",
        "hot_reload_enabled",
    ]
    static let flagKeys: [String] = [
        "state", "default_variant", "variants", "rollout", "targeting_rules", "dependencies", "metadata",
    ]
    static let rolloutKeys: [String] = [
        "strategy", "percentage", "variant", "sticky", "user_list", "gradual", "distribution", "bucket_by",
    ]
    static let ruleKeys: [String] = ["name", "condition", "variant", "priority"]

    // MARK: - Reporting

    mutating func error(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent], _ message: String) {
        error(at: node.location, path(), message)
    }

    mutating func error(at location: SourceLocation, _ path: @autoclosure () -> [ConfigPathComponent], _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .error, location: location, path: formatConfigPath(path()), message: message,
                excerpt: sources.excerpt(at: location)))
    }

    mutating func warn(_ node: YAMLNode, _ path: [ConfigPathComponent], _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .warning, location: node.location, path: formatConfigPath(path), message: message,
                excerpt: sources.excerpt(at: node.location)))
    }

    mutating func warnUnknownKeys(_ node: YAMLNode, _ known: [String], _ path: [ConfigPathComponent]) {
        guard case .mapping(let pairs) = node.content else { return }
        for pair in pairs where !known.contains(pair.key) {
            let location = pair.keyLocation
            diagnostics.append(
                ConfigDiagnostic(
                    severity: .warning, location: location, path: formatConfigPath(path + [.key(pair.key)]),
                    message: "unknown field '\(pair.key)' (ignored; known: \(known.sorted().joined(separator: ", ")))",
                    excerpt: sources.excerpt(at: location)))
        }
    }

    // MARK: - Typed readers

    mutating func mapping(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent])
        -> [(key: String, keyLocation: SourceLocation, value: YAMLNode)]?
    {
        if case .mapping(let pairs) = node.content { return pairs }
        if case .scalar(_, .plain) = node.content, ScalarResolver.resolve(scalarText(node) ?? "", .plain) == .null {
            return []
        }
        error(node, path(), "expected a mapping, found \(node.kindName)")
        return nil
    }

    /// The members of mapping `node` whose keys `Key` names, in order, each with its path; a key `Key` does not name is
    /// warned about as unknown, listing `Key`'s cases. The keys a decoder knows and the keys it handles are one list:
    /// the enum, switched over exhaustively.
    mutating func members<Key: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, _ path: [ConfigPathComponent], _ keys: Key.Type
    ) -> [(key: Key, value: YAMLNode, path: [ConfigPathComponent])]? where Key.RawValue == String {
        guard let pairs = mapping(node, path) else { return nil }
        warnUnknownKeys(node, Key.allCases.map(\.rawValue), path)
        return pairs.compactMap { pair in
            Key(rawValue: pair.key).map { ($0, pair.value, path + [.key(pair.key)]) }
        }
    }

    func scalarText(_ node: YAMLNode) -> String? {
        if case .scalar(let text, _) = node.content { return text }
        return nil
    }

    /// A name: the scalar's text, whatever YAML would type it as.
    mutating func name(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> String? {
        guard let text = scalarText(node) else {
            error(node, path(), "expected a name, found \(node.kindName)")
            return nil
        }
        return text
    }

    mutating func number(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Double? {
        guard case .scalar(let text, let style) = node.content else {
            error(node, path(), "expected a number, found \(node.kindName)")
            return nil
        }
        switch ScalarResolver.resolve(text, style) {
        case .int(let value): return Double(value)
        case .double(let value) where value.isFinite: return value
        default:
            error(node, path(), "expected a number, found '\(text)'")
            return nil
        }
    }

    mutating func integer(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Int? {
        guard case .scalar(let text, let style) = node.content else {
            error(node, path(), "expected an integer, found \(node.kindName)")
            return nil
        }
        switch ScalarResolver.resolve(text, style) {
        case .int(let value): return value
        case .double(let value) where value == value.rounded() && abs(value) < 1e15: return Int(value)
        default:
            error(node, path(), "expected an integer, found '\(text)'")
            return nil
        }
    }

    mutating func bool(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Bool? {
        guard case .scalar(let text, let style) = node.content, case .bool(let value) = ScalarResolver.resolve(text, style)
        else {
            error(node, path(), "expected true or false, found \(scalarText(node).map { "'\($0)'" } ?? node.kindName)")
            return nil
        }
        return value
    }

    mutating func time(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Double? {
        guard let text = scalarText(node), let seconds = RFC3339Time.parse(text) else {
            error(node, path(), "expected an RFC 3339 time such as 2026-01-05T00:00:00Z")
            return nil
        }
        return seconds
    }

    mutating func names(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> [String] {
        guard case .sequence(let items) = node.content else {
            if case .scalar(let text, .plain) = node.content, ScalarResolver.resolve(text, .plain) == .null { return [] }
            error(node, path(), "expected a list, found \(node.kindName)")
            return []
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if let text = name(item, path() + [.index(index)]) { result.append(text) }
        }
        return result
    }

    /// Any value: scalars typed as YAML 1.1, lists and mappings as JSON-like values.
    func value(_ node: YAMLNode) -> FlagValue {
        switch node.content {
        case .scalar(let text, let style): return ScalarResolver.resolve(text, style)
        case .sequence(let items): return .list(items.map(value))
        case .mapping(let pairs):
            var object: [String: FlagValue] = [:]
            for pair in pairs { object[pair.key] = value(pair.value) }
            return .object(object)
        }
    }

    // MARK: - Document

    mutating func decode(_ root: YAMLNode) -> Decoded {
        var decoded = Decoded()
        guard mapping(root, []) != nil else { return decoded }
        warnUnknownKeys(root, Self.topLevelKeys, [])
        if let node = root["version"] { decoded.version = scalarText(node) ?? "" }
        if let node = root["schema_version"] { decoded.schemaVersion = scalarText(node) ?? "" }
        if let node = root["global"] { decoded.settings = decodeGlobal(node) }
        if let node = root["alerts"] { decoded.alertThresholds = decodeAlerts(node) }
        if let node = root["flags"], let flags = mapping(node, [.key("flags")]) {
            decoded.definitions = decodeFlags(flags[...], settings: decoded.settings)
        }
        return decoded
    }

    /// Files with at least this many flags decode them in two halves at once, one on each core.
    static let parallelFlagCount = 1024

    /// The definitions of `flags`, in file order, with their diagnostics in file order after the ones so far.
    mutating func decodeFlags(
        _ flags: ArraySlice<(key: String, keyLocation: SourceLocation, value: YAMLNode)>, settings: GlobalSettings
    ) -> [FlagDefinition] {
        guard flags.count >= Self.parallelFlagCount else {
            return flags.compactMap { decodeFlag($0.key, $0.value, settings: settings) }
        }
        // Each half starts with no diagnostics and this decoder's condition cache; the halves' diagnostics follow
        // ours in file order, exactly as one decoder going through the flags would have left them.
        let fresh = {
            var decoder = self
            decoder.diagnostics = []
            return decoder
        }()
        let decode: @Sendable (ArraySlice<(key: String, keyLocation: SourceLocation, value: YAMLNode)>) -> (
            definitions: [FlagDefinition], diagnostics: [ConfigDiagnostic]
        ) = { part in
            var decoder = fresh
            let definitions = part.compactMap { decoder.decodeFlag($0.key, $0.value, settings: settings) }
            return (definitions, decoder.diagnostics)
        }
        let middle = flags.startIndex + flags.count / 2
        let (first, second) = concurrently({ decode(flags[..<middle]) }, { decode(flags[middle...]) })
        diagnostics += first.diagnostics + second.diagnostics
        var definitions = first.definitions
        definitions.reserveCapacity(flags.count)
        definitions += second.definitions
        return definitions
    }

    mutating func decodeGlobal(_ node: YAMLNode) -> GlobalSettings {
        var settings = GlobalSettings()
        let path: [ConfigPathComponent] = [.key("global")]
        guard mapping(node, path) != nil else { return settings }
        warnUnknownKeys(node, Self.globalKeys, path)
        if let child = node["default_rollout_percentage"],
            let value = number(child, path + [.key("default_rollout_percentage")])
        {
            if (0...100).contains(value) {
                settings.defaultRolloutPercentage = value
            } else {
                error(child, path + [.key("default_rollout_percentage")], "\(formatted(value)) is not in 0...100")
            }
        }
        if let child = node["sticky_bucketing"], let value = bool(child, path + [.key("sticky_bucketing")]) {
            settings.stickyBucketing = value
        }
        if let child = node["evaluation_timeout_ms"], let value = number(child, path + [.key("evaluation_timeout_ms")]) {
            settings.evaluationTimeoutMilliseconds = value
        }
        if let child = node["metrics_enabled"], let value = bool(child, path + [.key("metrics_enabled")]) {
            settings.metricsEnabled = value
        }
        if let child = node["hot_reload_enabled"], let value = bool(child, path + [.key("hot_reload_enabled")]) {
            settings.hotReloadEnabled = value
        }
        return settings
    }

    mutating func decodeAlerts(_ node: YAMLNode) -> [String: Double] {
        var thresholds: [String: Double] = [:]
        guard let alerts = mapping(node, [.key("alerts")]) else { return thresholds }
        for pair in alerts {
            let path: [ConfigPathComponent] = [.key("alerts"), .key(pair.key)]
            guard mapping(pair.value, path) != nil else { continue }
            warnUnknownKeys(pair.value, ["threshold", "channels"], path)
            if let threshold = pair.value["threshold"], let value = number(threshold, path + [.key("threshold")]) {
                thresholds[pair.key] = value
            }
        }
        return thresholds
    }

    func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
