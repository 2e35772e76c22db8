public import FlagEngine

/// Reads a flagd flag definition file (JSON, or the same in YAML, as flagd accepts both) into a ``FlagdFlagSet``,
/// reporting every problem at its file:line:column as the seed format's decoder does.
///
/// Top level: `flags`, `metadata`, `$evaluators` (targeting shared through `{"$ref": "name"}`) and `$schema`. Each
/// flag: `state` (`ENABLED`/`DISABLED`), `variants`, `defaultVariant` (a variant's name, or null for the caller's
/// default), `targeting` (JSON Logic with flagd's operators) and `metadata`.
public struct FlagdFileDecoder {
    static let topLevelKeys = ["$schema", "flags", "metadata", "$evaluators"]
    static let flagKeys = ["state", "variants", "defaultVariant", "targeting", "metadata"]
    /// How deep `$ref`s may nest inside each other before the decoder calls it a cycle.
    static let maximumReferenceDepth = 16

    private var report: DiagnosticCollector

    private init(report: DiagnosticCollector) {
        self.report = report
    }
    private var evaluators: [String: YAMLNode] = [:]

    /// Decodes `text` read from `file`. Throws every error found; returns the flag set with any warnings.
    public static func decode(_ text: String, file: String) throws(FlagConfigError) -> (flagSet: FlagdFlagSet, warnings: [ConfigDiagnostic]) {
        var decoder = FlagdFileDecoder(report: DiagnosticCollector(text: text, file: file))
        guard let root = try YAMLReader.read(text, file: file) else {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(severity: .error, location: SourceLocation(file: file, line: 1, column: 1), path: "",
                                 message: "the flagd file is empty"),
            ], stage: .parse)
        }
        let flagSet = decoder.flagSet(root)
        if decoder.report.hasErrors {
            throw FlagConfigError(diagnostics: decoder.report.diagnostics)
        }
        return (flagSet, decoder.report.diagnostics)
    }

    /// Whether `root` looks like a flagd file: a `$schema` naming flagd, or a flag with `defaultVariant`.
    static func isFlagd(_ root: YAMLNode) -> Bool {
        if case .scalar(let schema, _)? = root["$schema"]?.content, schema.contains("flagd") { return true }
        return root["flags"]?.pairs?.contains { $0.value["defaultVariant"] != nil } ?? false
    }

    // MARK: - The file

    private mutating func flagSet(_ root: YAMLNode) -> FlagdFlagSet {
        guard let pairs = root.pairs else {
            report.error(root, [], "a flagd file is an object with `flags`, not \(Self.kind(root))")
            return FlagdFlagSet(flags: [])
        }
        report.warnUnknownKeys(pairs, Self.topLevelKeys, [])
        for pair in root["$evaluators"]?.pairs ?? [] { evaluators[pair.key] = pair.value }
        if let node = root["$evaluators"], node.pairs == nil { report.error(node, [.key("$evaluators")], "must be an object of named rules") }
        let metadata = self.metadata(root["metadata"], [.key("metadata")])
        guard let flagsNode = root["flags"] else {
            report.error(root, [], "missing `flags`")
            return FlagdFlagSet(flags: [], metadata: metadata)
        }
        guard let flagPairs = flagsNode.pairs else {
            report.error(flagsNode, [.key("flags")], "must be an object of flags by key, not \(Self.kind(flagsNode))")
            return FlagdFlagSet(flags: [], metadata: metadata)
        }
        var seen: Set<String> = []
        var flags: [FlagdFlag] = []
        for pair in flagPairs {
            let path: [ConfigPathComponent] = [.key("flags"), .key(pair.key)]
            if !seen.insert(pair.key).inserted {
                report.error(at: pair.keyLocation, path, "the flag '\(pair.key)' is defined twice")
                continue
            }
            if let flag = flag(pair.key, pair.value, path) { flags.append(flag) }
        }
        return FlagdFlagSet(flags: flags, metadata: metadata)
    }

    private mutating func flag(_ key: String, _ node: YAMLNode, _ path: [ConfigPathComponent]) -> FlagdFlag? {
        guard let pairs = node.pairs else {
            report.error(node, path, "a flag is an object with state, variants and defaultVariant, not \(Self.kind(node))")
            return nil
        }
        report.warnUnknownKeys(pairs, Self.flagKeys, path)
        var isEnabled = true
        switch node["state"].map(Self.value) {
        case .string("ENABLED")?: isEnabled = true
        case .string("DISABLED")?: isEnabled = false
        case let other?: report.error(node["state"]!, path + [.key("state")], "must be ENABLED or DISABLED, not \(other)")
        case nil: report.error(node, path, "missing `state` (ENABLED or DISABLED)")
        }
        var variants: [(name: String, value: FlagValue)] = []
        if let variantsNode = node["variants"] {
            if let variantPairs = variantsNode.pairs, !variantPairs.isEmpty {
                variants = variantPairs.map { ($0.key, Self.value($0.value)) }
            } else {
                report.error(variantsNode, path + [.key("variants")], "must be a non-empty object of variant values by name")
            }
        } else {
            report.error(node, path, "missing `variants`")
        }
        var defaultVariant: String?
        switch node["defaultVariant"].map(Self.value) {
        case .string(let name)?:
            defaultVariant = name
            if !variants.isEmpty, !variants.contains(where: { $0.name.hasSameCodePoints(as: name) }) {
                report.error(node["defaultVariant"]!, path + [.key("defaultVariant")],
                      "names no variant of this flag (variants: \(variants.map(\.name).joined(separator: ", ")))"
                        + Self.twinNote(name, among: variants.map(\.name)))
            }
        case .null?: defaultVariant = nil
        case let other?: report.error(node["defaultVariant"]!, path + [.key("defaultVariant")], "must be a variant's name or null, not \(other)")
        // Absent is null: the caller's default (flagd's schema has made `defaultVariant` optional; its testbed's
        // `undefined-default-flag` resolves to the code default, DEFAULT).
        case nil: defaultVariant = nil
        }
        var targeting: LogicExpression?
        var targetingError: String?
        if let targetingNode = node["targeting"] {
            if let missing = missingReference(targetingNode) {
                // flagd loads the flag and answers it PARSE_ERROR; so does the exporter, with a warning here.
                targetingError = "$ref to '\(missing.name)' names no entry of $evaluators"
                report.warn(missing.node, path + [.key("targeting")],
                            "\(targetingError!): the flag answers PARSE_ERROR (the caller's default), as flagd answers it"
                              + Self.twinNote(missing.name, among: evaluators.keys))
            } else {
                targeting = self.targeting(targetingNode, path + [.key("targeting")])
            }
        }
        return FlagdFlag(key: key, isEnabled: isEnabled, variants: variants, defaultVariant: defaultVariant,
                         targeting: targeting, targetingError: targetingError,
                         metadata: metadata(node["metadata"], path + [.key("metadata")]))
    }

    private mutating func targeting(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> LogicExpression? {
        guard let pairs = node.pairs else {
            report.error(node, path, "targeting is a JSON Logic rule (an object), not \(Self.kind(node))")
            return nil
        }
        if pairs.isEmpty { return nil }
        guard let resolved = resolveReferences(node, path, depth: 0) else { return nil }
        for problem in LogicExpression.argumentCountProblems(resolved) {
            let located = Self.node(at: problem.path, in: node) ?? node
            report.warn(located, path + problem.path.map { Int($0).map(ConfigPathComponent.index) ?? .key($0) },
                        "\(problem.message): it errs at every evaluation, so the flag gives its default variant")
        }
        do {
            return try LogicExpression.compile(resolved)
        } catch {
            // The faulty node, found by the rule path inside the resolved tree (or the rule itself).
            let located = Self.node(at: error.path, in: node) ?? node
            self.report.error(located, path + error.path.map { Int($0).map(ConfigPathComponent.index) ?? .key($0) }, error.message)
            return nil
        }
    }

    /// `; 'é' (U+00E9) and 'é' (U+0065 U+0301) are one name in two Unicode normalizations` when `name` misses only
    /// by its spelling (flagd compares names by code point, and so does the exporter), else nothing.
    static func twinNote(_ name: String, among names: some Sequence<String>) -> String {
        names.lazy.compactMap { NormalizationTwins(held: $0, incoming: name) }.first.map { "; \($0)" } ?? ""
    }

    /// The first `{"$ref": "name"}` in the rule, or in the evaluators it reaches, whose name `$evaluators` lacks.
    private func missingReference(_ node: YAMLNode, depth: Int = 0) -> (name: String, node: YAMLNode)? {
        guard depth <= Self.maximumReferenceDepth else { return nil }  // a cycle: resolveReferences reports it
        switch node.content {
        case .mapping(let pairs):
            if pairs.count == 1, pairs[0].key == "$ref", case .string(let name) = Self.value(pairs[0].value) {
                guard let target = evaluators.value(forCodePoints: name) else { return (name, pairs[0].value) }
                return missingReference(target, depth: depth + 1)
            }
            for pair in pairs { if let found = missingReference(pair.value, depth: depth) { return found } }
            return nil
        case .sequence(let elements):
            for element in elements { if let found = missingReference(element, depth: depth) { return found } }
            return nil
        default:
            return nil
        }
    }

    /// The rule's value with every `{"$ref": "name"}` replaced by that `$evaluators` entry.
    private mutating func resolveReferences(_ node: YAMLNode, _ path: [ConfigPathComponent], depth: Int) -> FlagValue? {
        switch node.content {
        case .mapping(let pairs):
            if pairs.count == 1, pairs[0].key == "$ref" {
                guard case .string(let name) = Self.value(pairs[0].value), let target = evaluators.value(forCodePoints: name) else {
                    report.error(pairs[0].value, path + [.key("$ref")],
                          "names no entry of $evaluators (\(evaluators.keys.sorted().joined(separator: ", ")))")
                    return nil
                }
                guard depth < Self.maximumReferenceDepth else {
                    report.error(pairs[0].value, path + [.key("$ref")], "$ref nests deeper than \(Self.maximumReferenceDepth) (a cycle?)")
                    return nil
                }
                return resolveReferences(target, [.key("$evaluators"), .key(name)], depth: depth + 1)
            }
            var members: [String: FlagValue] = [:]
            for pair in pairs {
                guard let value = resolveReferences(pair.value, path + [.key(pair.key)], depth: depth) else { return nil }
                members[pair.key] = value
            }
            return .object(members)
        case .sequence(let elements):
            var values: [FlagValue] = []
            for (index, element) in elements.enumerated() {
                guard let value = resolveReferences(element, path + [.index(index)], depth: depth) else { return nil }
                values.append(value)
            }
            return .list(values)
        case .scalar:
            return Self.value(node)
        }
    }

    private mutating func metadata(_ node: YAMLNode?, _ path: [ConfigPathComponent]) -> [String: FlagValue] {
        guard let node else { return [:] }
        guard let pairs = node.pairs else {
            report.error(node, path, "metadata is an object of values by name, not \(Self.kind(node))")
            return [:]
        }
        var metadata: [String: FlagValue] = [:]
        for pair in pairs {
            let value = Self.value(pair.value)
            switch value {
            case .bool, .int, .double, .string: metadata[pair.key] = value
            default: report.error(pair.value, path + [.key(pair.key)], "metadata values are booleans, numbers or text, not \(value)")
            }
        }
        return metadata
    }

    // MARK: - Values and reporting

    /// The JSON value of a node: quoted scalars are text, plain ones JSON's null, booleans and numbers.
    static func value(_ node: YAMLNode) -> FlagValue {
        switch node.content {
        case .scalar(let text, .plain): ScalarResolver.resolve(text, .plain)
        case .scalar(let text, _): .string(text)
        case .sequence(let elements): .list(elements.map(value))
        case .mapping(let pairs): .object(Dictionary(pairs.map { ($0.key, value($0.value)) }) { _, last in last })
        }
    }

    /// A node's kind in JSON's words.
    static func kind(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar: "the value \(value(node))"
        case .sequence: "a list"
        case .mapping: "an object"
        }
    }

    /// The node at a rule path (keys and list indexes) inside `root`, where `$ref`s have not been followed.
    static func node(at path: [String], in root: YAMLNode) -> YAMLNode? {
        var current = root
        for step in path {
            switch current.content {
            case .mapping: guard let next = current[step] else { return current }; current = next
            case .sequence(let elements):
                guard let index = Int(step), elements.indices.contains(index) else { return current }
                current = elements[index]
            case .scalar: return current
            }
        }
        return current
    }
}

extension FlagdFileDecoder {
    /// Reads and decodes the flagd file at `path` (the seed loader's limits: a regular file, at most 16 MiB, UTF-8).
    public static func load(path: String) throws(FlagConfigError) -> (flagSet: FlagdFlagSet, warnings: [ConfigDiagnostic]) {
        let text = try FlagConfigLoader.readFile(path)
        return try decode(text.text, file: path)
    }
}
