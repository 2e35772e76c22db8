public import FlagConfig
public import FlagEngine
import WireFormat

/// `config/exporter.yaml`: what the exporter evaluates on its own (synthetic population, canaries) and how it takes
/// mirrored traffic. Validated like the flags file: every problem at its `file:line:column`.
public struct ExporterSettings: Sendable, Hashable {
    public var synthetic = Synthetic()
    public var canaries = Canaries()
    public var mirror = Mirror()
    public var source = Source()
    public var refresh = Refresh()
    public var push = Push()
    /// What the file had that was ignored (unknown fields), each at its `file:line:column`; the commands print them.
    public var warnings: [ConfigDiagnostic] = []

    public init() {}

    /// The modelled population and how fast it is evaluated.
    public struct Synthetic: Sendable, Hashable {
        /// Whether `serve` runs synthetic evaluations at all.
        public var enabled = true
        /// Contexts per second; each context is evaluated against every flag (or ``flags``).
        public var rate = 100.0
        /// The flags to evaluate; empty means every flag of the config.
        public var flags: [String] = []
        public var population = Population()

        public init() {}
    }

    /// Who the synthetic users are.
    public struct Population: Sendable, Hashable {
        /// Members are numbered `0 ..< size`.
        public var size = 100_000
        /// A member's `user_id`: `{n}` is replaced by its number.
        public var idPattern = "user-{n}"
        /// Weighted choices for `user_type` and `environment`, by value; empty means not set.
        public var userTypes: [WeightedValue] = []
        public var environments: [WeightedValue] = []
        /// Weighted choices for custom attributes, in file order.
        public var customAttributes: [CustomAttribute] = []

        public init() {}
    }

    /// A custom attribute of the population and its weighted values.
    public struct CustomAttribute: Sendable, Hashable {
        public var name: String
        public var values: [WeightedValue]

        public init(name: String, values: [WeightedValue]) {
            self.name = name
            self.values = values
        }
    }

    /// One possible attribute value and its relative weight.
    public struct WeightedValue: Sendable, Hashable {
        public var value: AttributeValue
        public var weight: Double

        public init(value: AttributeValue, weight: Double) {
            self.value = value
            self.weight = weight
        }
    }

    /// Checks with an expected variant, run every ``interval`` seconds.
    public struct Canaries: Sendable, Hashable {
        public var interval = 30.0
        public var checks: [Canary] = []

        public init() {}
    }

    /// One canary: flag `flag` for `context` must serve `expectedVariant`.
    public struct Canary: Sendable, Hashable {
        public var name: String
        public var flag: String
        public var context: EvaluationContext
        public var expectedVariant: String

        public init(name: String, flag: String, context: EvaluationContext, expectedVariant: String) {
            self.name = name
            self.flag = flag
            self.context = context
            self.expectedVariant = expectedVariant
        }
    }

    /// Limits on mirrored traffic (the JSONL feed and OFREP).
    public struct Mirror: Sendable, Hashable {
        /// A line or request body longer than this is refused as `too_large`.
        public var maximumLineBytes = 65_536
        /// Mirrored evaluations accepted per second; the excess is refused as `rate_limited`.
        public var rateLimit = 20_000.0

        public init() {}
    }
}

extension ExporterSettings {
    /// Reads and validates an exporter settings file.
    public static func load(path: String) throws(FlagConfigError) -> ExporterSettings {
        try load(try FlagConfigLoader.readFile(path))
    }

    /// Validates exporter settings text.
    public static func load(_ text: ConfigText) throws(FlagConfigError) -> ExporterSettings {
        var sources = SourceTexts()
        sources.add(text.text, for: text.name)
        guard let root = try YAMLReader.read(text.text, file: text.name) else { return ExporterSettings() }
        var decoder = ExporterSettingsDecoder(base: LocatedYAMLReader(sources: sources))
        let settings = decoder.decode(root)
        let diagnostics = decoder.base.diagnostics
        if diagnostics.contains(where: { $0.severity == .error }) { throw FlagConfigError(diagnostics: diagnostics) }
        var loaded = settings
        loaded.warnings = diagnostics.filter { $0.severity == .warning }
        return loaded
    }
}

/// Decodes `exporter.yaml` with the flags file's typed readers and diagnostics.
struct ExporterSettingsDecoder {
    var base: LocatedYAMLReader

    mutating func decode(_ root: YAMLNode) -> ExporterSettings {
        var settings = ExporterSettings()
        guard let members = base.members(root, [], TopLevelKey.self) else { return settings }
        for member in members {
            switch member.key {
            case .synthetic: settings.synthetic = synthetic(member.value, member.path)
            case .canaries: settings.canaries = canaries(member.value, member.path)
            case .mirror: settings.mirror = mirror(member.value, member.path)
            case .source: settings.source = source(member.value, member.path)
            case .refresh: settings.refresh = refresh(member.value, member.path)
            case .push: settings.push = push(member.value, member.path)
            }
        }
        return settings
    }

    private mutating func synthetic(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Synthetic {
        var synthetic = ExporterSettings.Synthetic()
        guard let members = base.members(node, path, SyntheticKey.self) else { return synthetic }
        for member in members {
            let here = member.path
            switch member.key {
            case .enabled: synthetic.enabled = base.bool(member.value, here) ?? synthetic.enabled
            case .rate:
                synthetic.rate = base.number(
                    member.value, here, where: { $0 > 0 && $0 <= 10_000_000 },
                    else: "rate must be in (0, 10000000] contexts per second") ?? synthetic.rate
            case .flags:
                synthetic.flags = base.names(member.value, here)
                for (index, flag) in synthetic.flags.enumerated() where !FlagSet.isValidKey(flag) {
                    base.error(member.value, here + [.index(index)], "'\(flag)' is not a valid flag key")
                }
            case .population: synthetic.population = population(member.value, here)
            }
        }
        return synthetic
    }

    private mutating func population(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Population {
        var population = ExporterSettings.Population()
        guard let members = base.members(node, path, PopulationKey.self) else { return population }
        for member in members {
            let here = member.path
            switch member.key {
            case .size:
                population.size = base.integer(
                    member.value, here, in: 1...1_000_000_000, else: "size must be between 1 and 1000000000") ?? population.size
            case .idPattern:
                if let pattern = base.name(member.value, here) {
                    if pattern.contains("{n}") && pattern.utf8.count <= 128 {
                        population.idPattern = pattern
                    } else {
                        base.error(member.value, here, "id_pattern must contain {n} and be at most 128 bytes")
                    }
                }
            case .attributes:
                guard let attributes = base.mapping(member.value, here) else { continue }
                for attribute in attributes {
                    let attributePath = here + [.key(attribute.key)]
                    switch attribute.key {
                    case "user_type": population.userTypes = weights(attribute.value, attributePath)
                    case "environment": population.environments = weights(attribute.value, attributePath)
                    case "custom_attributes":
                        guard let custom = base.mapping(attribute.value, attributePath) else { continue }
                        for entry in custom {
                            population.customAttributes.append(
                                ExporterSettings.CustomAttribute(
                                    name: entry.key, values: weights(entry.value, attributePath + [.key(entry.key)])))
                        }
                    default:
                        base.error(
                            at: attribute.keyLocation, attributePath,
                            "unknown attribute '\(attribute.key)': use user_type, environment or custom_attributes")
                    }
                }
            }
        }
        return population
    }

    /// `{value: weight, ...}`: the values are typed as YAML 1.1 scalars, the weights positive numbers.
    private mutating func weights(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> [ExporterSettings.WeightedValue] {
        guard let pairs = base.mapping(node, path) else { return [] }
        var result: [ExporterSettings.WeightedValue] = []
        for pair in pairs {
            let here = path + [.key(pair.key)]
            guard let weight = base.number(pair.value, here, where: { $0 > 0 }, else: "weight must be a positive number") else { continue }
            result.append(ExporterSettings.WeightedValue(value: .string(pair.key), weight: weight))
        }
        if pairs.isEmpty { base.error(node, path, "expected at least one value with its weight") }
        return result
    }

    private mutating func canaries(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Canaries {
        var canaries = ExporterSettings.Canaries()
        guard let members = base.members(node, path, CanariesKey.self) else { return canaries }
        for member in members {
            let here = member.path
            switch member.key {
            case .interval:
                canaries.interval = base.number(
                    member.value, here, where: { (0.1...86_400).contains($0) },
                    else: "interval must be between 0.1 and 86400 seconds") ?? canaries.interval
            case .checks:
                guard case .sequence(let items) = member.value.content else {
                    base.error(member.value, here, "expected a list of canaries, found \(member.value.kindName)")
                    continue
                }
                var names: Set<String> = []
                for (index, item) in items.enumerated() {
                    guard let canary = canary(item, here + [.index(index)]) else { continue }
                    if !names.insert(canary.name).inserted {
                        base.error(item, here + [.index(index)], "duplicate canary name '\(canary.name)'")
                    }
                    canaries.checks.append(canary)
                }
            }
        }
        return canaries
    }

    private mutating func canary(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Canary? {
        guard let members = base.members(node, path, CanaryKey.self) else { return nil }
        var values: [CanaryKey: (node: YAMLNode, path: [ConfigPathComponent])] = [:]
        for member in members { values[member.key] = (member.value, member.path) }
        func text(_ key: CanaryKey) -> String? { values[key].flatMap { base.name($0.node, $0.path) } }
        let name = text(.name), flag = text(.flag), expected = text(.expect)
        let missing = [CanaryKey.name, .flag, .expect].filter { values[$0] == nil }.map(\.rawValue)
        if !missing.isEmpty {
            base.error(node, path, "a canary needs \(missing.joined(separator: ", "))")
            return nil
        }
        guard let name, let flag, let expected else { return nil }
        if name.isEmpty || name.utf8.count > 128, let entry = values[.name] {
            base.error(entry.node, entry.path, "a canary name is 1 to 128 bytes")
        }
        if !FlagSet.isValidKey(flag), let entry = values[.flag] {
            base.error(entry.node, entry.path, "'\(flag)' is not a valid flag key")
        }
        let context = values[.context].map { self.context($0.node, $0.path) } ?? EvaluationContext()
        return ExporterSettings.Canary(name: name, flag: flag, context: context, expectedVariant: expected)
    }

    /// A canary's context: the same members, read the same way, as an OFREP context (``EvaluationContext/set(_:to:)``).
    private mutating func context(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> EvaluationContext {
        var context = EvaluationContext()
        guard let pairs = base.mapping(node, path) else { return context }
        for pair in pairs {
            do {
                try context.set(pair.key, to: base.value(pair.value))
            } catch {
                base.error(pair.value, path + [.key(pair.key)], error.message)
            }
        }
        return context
    }

    private mutating func mirror(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> ExporterSettings.Mirror {
        var mirror = ExporterSettings.Mirror()
        guard let members = base.members(node, path, MirrorKey.self) else { return mirror }
        for member in members {
            let here = member.path
            switch member.key {
            case .maxLineBytes:
                mirror.maximumLineBytes = base.integer(
                    member.value, here, in: 256...(16 * 1024 * 1024), else: "max_line_bytes must be between 256 and 16777216")
                    ?? mirror.maximumLineBytes
            case .rateLimit:
                mirror.rateLimit = base.number(member.value, here, where: { $0 > 0 }, else: "rate_limit must be positive")
                    ?? mirror.rateLimit
            }
        }
        return mirror
    }
}

extension ExporterSettingsDecoder {
    /// The keys of `synthetic`, declared once.
    enum SyntheticKey: String, CaseIterable {
        case enabled
        case rate
        case flags
        case population
    }

    /// The keys of `synthetic.population`, declared once.
    enum PopulationKey: String, CaseIterable {
        case size
        case idPattern = "id_pattern"
        case attributes
    }

    /// The keys of `canaries`, declared once.
    enum CanariesKey: String, CaseIterable {
        case interval
        case checks
    }

    /// The keys of `mirror`, declared once.
    enum MirrorKey: String, CaseIterable {
        case maxLineBytes = "max_line_bytes"
        case rateLimit = "rate_limit"
    }

    /// The keys of the exporter file's top level, declared once.
    enum TopLevelKey: String, CaseIterable {
        case synthetic, canaries, mirror, source, refresh, push
    }

    /// The keys of a canary, declared once.
    enum CanaryKey: String, CaseIterable {
        case name, flag, context, expect
    }
}
