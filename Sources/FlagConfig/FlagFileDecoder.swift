import FlagEngine
import Locking

/// Turns the effective YAML tree into flag definitions, reporting every problem at its line and column.
///
/// Names (variant names, flag keys in references, rule variants, user ids) are always read as the scalar's text, so
/// `default_variant: off` means the variant "off" rather than `false`.
struct FlagFileDecoder: LocatedYAMLReading, Sendable {
    var diagnostics: [ConfigDiagnostic] = []
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
