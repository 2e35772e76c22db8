public import FlagEngine
import WireFormat

/// Reads an Unleash client-API payload (`/api/client/features`: `version`, `features`, `segments`, `query`) into an
/// ``UnleashToggleSet``, with errors and warnings at file:line:column.
public struct UnleashFileDecoder {
    static let topLevelKeys = ["version", "features", "segments", "query", "meta"]
    static let knownStrategies: Set<String> = [
        "default", "userWithId", "gradualRolloutUserId", "gradualRolloutSessionId", "gradualRolloutRandom",
        "flexibleRollout", "remoteAddress", "applicationHostname",
    ]

    private var report: DiagnosticCollector

    private init(report: DiagnosticCollector) {
        self.report = report
    }

    /// Decodes `text` read from `file`; `hostname` is what `applicationHostname` compares with.
    public static func decode(_ text: String, file: String, hostname: String = "") throws(FlagConfigError)
        -> (toggleSet: UnleashToggleSet, warnings: [ConfigDiagnostic])
    {
        var decoder = UnleashFileDecoder(report: DiagnosticCollector(text: text, file: file))
        guard let root = try YAMLReader.read(text, file: file), let pairs = root.pairs else {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(severity: .error, location: SourceLocation(file: file, line: 1, column: 1), path: "",
                                 message: "an Unleash payload is an object with `features`"),
            ], stage: .parse)
        }
        decoder.report.warnUnknownKeys(pairs, Self.topLevelKeys, [])
        var segments: [Int: [UnleashConstraint]] = [:]
        for (index, node) in decoder.list(root["segments"], [.key("segments")]).enumerated() {
            let path: [ConfigPathComponent] = [.key("segments"), .index(index)]
            guard let id = node["id"].flatMap(Self.integer) else { decoder.report.error(node, path, "a segment needs an integer `id`"); continue }
            segments[id] = decoder.constraints(node["constraints"], path + [.key("constraints")])
        }
        var toggles: [UnleashToggle] = []
        var seen: Set<String> = []
        guard let features = root["features"] else { throw decoder.failure(root, [], "missing `features`") }
        for (index, node) in decoder.list(features, [.key("features")]).enumerated() {
            let path: [ConfigPathComponent] = [.key("features"), .index(index)]
            guard case .string(let name)? = node["name"].map(FlagdFileDecoder.value), !name.isEmpty else {
                decoder.report.error(node, path, "a toggle needs a `name`")
                continue
            }
            let insertion = seen.insert(name)
            if !insertion.inserted {
                // Toggles are found by name in a `String`-keyed table, which cannot hold two spellings of one name.
                let message = NormalizationTwins(held: insertion.memberAfterInsert, incoming: name)
                    .map { "toggle names \($0); rename one" } ?? "the toggle '\(name)' is listed twice"
                decoder.report.error(node["name"]!, path + [.key("name")], message)
            }
            toggles.append(decoder.toggle(name, node, path))
        }
        if decoder.report.hasErrors { throw FlagConfigError(diagnostics: decoder.report.diagnostics) }
        return (UnleashToggleSet(toggles: toggles, segments: segments, hostname: hostname), decoder.report.diagnostics)
    }

    /// Whether `root` looks like an Unleash payload: a `features` list.
    static func isUnleash(_ root: YAMLNode) -> Bool {
        if case .sequence? = root["features"]?.content { return true }
        return false
    }

    private mutating func toggle(_ name: String, _ node: YAMLNode, _ path: [ConfigPathComponent]) -> UnleashToggle {
        var enabled = false
        switch node["enabled"].map(FlagdFileDecoder.value) {
        case .bool(let value)?: enabled = value
        case let other?: report.error(node["enabled"]!, path + [.key("enabled")], "must be true or false, not \(other)")
        case nil: report.error(node, path, "missing `enabled`")
        }
        let strategies = list(node["strategies"], path + [.key("strategies")]).enumerated().map { index, strategy in
            self.strategy(strategy, path + [.key("strategies"), .index(index)])
        }
        let dependencies = list(node["dependencies"], path + [.key("dependencies")]).enumerated().compactMap { index, dependency in
            self.dependency(dependency, path + [.key("dependencies"), .index(index)])
        }
        return UnleashToggle(name: name, enabled: enabled, strategies: strategies,
                             variants: variants(node["variants"], path + [.key("variants")]), dependencies: dependencies)
    }

    private mutating func strategy(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> UnleashStrategy {
        let name = node["name"].map(FlagdFileDecoder.value)?.unleashScalar ?? ""
        if !Self.knownStrategies.contains(name) {
            report.warn(node, path + [.key("name")], "unknown strategy '\(name)': it never enables the toggle, as the SDKs treat it")
        }
        var parameters: [String: String] = [:]
        for pair in node["parameters"]?.pairs ?? [] {
            parameters[pair.key] = FlagdFileDecoder.value(pair.value).unleashScalar
        }
        let segments = list(node["segments"], path + [.key("segments")]).compactMap(Self.integer)
        return UnleashStrategy(name: name, parameters: parameters, constraints: constraints(node["constraints"], path + [.key("constraints")]),
                               segments: segments, variants: variants(node["variants"], path + [.key("variants")]))
    }

    private mutating func constraints(_ node: YAMLNode?, _ path: [ConfigPathComponent]) -> [UnleashConstraint] {
        list(node, path).enumerated().map { index, constraint in
            let here = path + [.index(index)]
            let text = constraint["operator"].map(FlagdFileDecoder.value)?.unleashScalar ?? ""
            let operation = UnleashConstraint.Operator(rawValue: text)
            if operation == nil {
                report.warn(constraint, here + [.key("operator")], "unknown operator '\(text)': the constraint is false, as the SDKs treat it")
            }
            let values = Self.strings(constraint["values"])
            let compiled = UnleashConstraint(
                contextName: constraint["contextName"].map(FlagdFileDecoder.value)?.unleashScalar ?? "",
                operation: operation, values: values, value: constraint["value"].map(FlagdFileDecoder.value)?.unleashScalar,
                caseInsensitive: constraint["caseInsensitive"].map(FlagdFileDecoder.value) == .bool(true),
                inverted: constraint["inverted"].map(FlagdFileDecoder.value) == .bool(true))
            if case .failure(let error)? = compiled.regex {
                report.warn(constraint["value"] ?? constraint, here + [.key("value")],
                            "REGEX pattern not taken (\(error.message)): the constraint matches nothing, as the SDKs treat it")
            }
            return compiled
        }
    }

    private mutating func variants(_ node: YAMLNode?, _ path: [ConfigPathComponent]) -> [UnleashVariant] {
        list(node, path).enumerated().compactMap { index, variant in
            let here = path + [.index(index)]
            guard let name = variant["name"].map(FlagdFileDecoder.value)?.unleashScalar else {
                report.error(variant, here, "a variant needs a `name`")
                return nil
            }
            let weight = variant["weight"].flatMap(Self.integer) ?? 0
            if weight < 0 { report.error(variant["weight"]!, here + [.key("weight")], "must not be negative") }
            let overrides = list(variant["overrides"], here + [.key("overrides")]).map { override in
                UnleashVariant.Override(
                    contextName: override["contextName"].map(FlagdFileDecoder.value)?.unleashScalar ?? "",
                    values: Self.strings(override["values"]))
            }
            let payload = variant["payload"].map(FlagdFileDecoder.value)
            return UnleashVariant(name: name, weight: weight, payload: payload,
                                  stickiness: variant["stickiness"].map(FlagdFileDecoder.value)?.unleashScalar, overrides: overrides,
                                  servedValue: payload.flatMap { servedValue($0, variant["payload"]!, here + [.key("payload")]) })
        }
    }

    /// A payload's `value` read by its `type`: `json` parsed, `number` a number, `string` and `csv` (and any other
    /// type) text. A `json` or `number` value that does not read as one is a warning, and serves its text.
    private mutating func servedValue(_ payload: FlagValue, _ node: YAMLNode, _ path: [ConfigPathComponent]) -> FlagValue? {
        guard case .object(let members) = payload, let value = members["value"] else { return nil }
        guard case .string(let text) = value else { return value }
        switch members["type"] {
        case .string("json")?:
            if let parsed = try? JSONParser().parse(text) { return parsed }
            report.warn(node, path, "the `json` payload does not parse as JSON; it is served as text")
        case .string("number")?:
            if let number = Double(String(text.trimmingJavaScriptSpace())), number.isFinite {
                return number == number.rounded() && abs(number) < 9e15 ? .int(Int(number)) : .double(number)
            }
            report.warn(node, path, "the `number` payload is not a number; it is served as text")
        default:
            break
        }
        return .string(text)
    }

    private mutating func dependency(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> UnleashDependency? {
        guard let feature = node["feature"].map(FlagdFileDecoder.value)?.unleashScalar else {
            report.error(node, path, "a dependency needs a `feature`")
            return nil
        }
        let enabled = node["enabled"].map(FlagdFileDecoder.value) != .bool(false)
        let variants = Self.strings(node["variants"])
        return UnleashDependency(feature: feature, enabled: enabled, variants: variants)
    }

    // MARK: - Helpers

    private mutating func list(_ node: YAMLNode?, _ path: [ConfigPathComponent]) -> [YAMLNode] {
        guard let node else { return [] }
        switch node.content {
        case .sequence(let elements): return elements
        case .scalar(let text, .plain) where ScalarResolver.resolve(text, .plain) == .null: return []
        default:
            report.error(node, path, "must be a list, not \(FlagdFileDecoder.kind(node))")
            return []
        }
    }

    /// A list of scalars as text (`values`, a dependency's variants); anything else is empty.
    static func strings(_ node: YAMLNode?) -> [String] {
        guard let node, case .list(let items) = FlagdFileDecoder.value(node) else { return [] }
        return items.compactMap(\.unleashScalar)
    }

    static func integer(_ node: YAMLNode) -> Int? {
        switch FlagdFileDecoder.value(node) {
        case .int(let value): value
        case .string(let text): Int(text)
        default: nil
        }
    }

    private func failure(_ node: YAMLNode, _ path: [ConfigPathComponent], _ message: String) -> FlagConfigError {
        var copy = self
        copy.report.error(node, path, message)
        return FlagConfigError(diagnostics: copy.report.diagnostics)
    }
}

extension FlagValue {
    /// A scalar as the text Unleash's API means by it (numbers and booleans as JavaScript prints them).
    var unleashScalar: String? {
        switch self {
        case .null, .list, .object: nil
        case .string(let text): text
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .double(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : value.description
        }
    }
}
