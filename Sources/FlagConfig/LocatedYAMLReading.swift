package import FlagEngine

/// The typed readers over the located YAML tree that every decoder of this package shares (the flags file, flagd
/// files and Unleash payloads here; `exporter.yaml` and `--web.config.file` in the Settings module): each reads one
/// node as a name, number, integer, boolean, time, list or mapping, and reports a wrong kind as an error at the
/// node's file:line:column with its path.
package protocol LocatedYAMLReading {
    /// The texts the tree was composed from, for the excerpt under each diagnostic.
    var sources: SourceTexts { get }
    /// Every problem found so far, in the order found.
    var diagnostics: [ConfigDiagnostic] { get set }
}

/// A reader and nothing else, for decoders that keep their own state beside it.
package struct LocatedYAMLReader: LocatedYAMLReading, Sendable {
    package let sources: SourceTexts
    package var diagnostics: [ConfigDiagnostic] = []

    package init(sources: SourceTexts) {
        self.sources = sources
    }
}

extension LocatedYAMLReading {
    // MARK: - Reporting

    package mutating func error(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent], _ message: String) {
        error(at: node.location, path(), message)
    }

    package mutating func error(at location: SourceLocation, _ path: @autoclosure () -> [ConfigPathComponent], _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .error, location: location, path: formatConfigPath(path()), message: message,
                excerpt: sources.excerpt(at: location)))
    }

    package mutating func warn(_ node: YAMLNode, _ path: [ConfigPathComponent], _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .warning, location: node.location, path: formatConfigPath(path), message: message,
                excerpt: sources.excerpt(at: node.location)))
    }

    package mutating func warnUnknownKeys(_ node: YAMLNode, _ known: [String], _ path: [ConfigPathComponent]) {
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

    package mutating func mapping(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent])
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
    package mutating func members<Key: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, _ path: [ConfigPathComponent], _ keys: Key.Type
    ) -> [(key: Key, value: YAMLNode, path: [ConfigPathComponent])]? where Key.RawValue == String {
        guard let pairs = mapping(node, path) else { return nil }
        warnUnknownKeys(node, Key.allCases.map(\.rawValue), path)
        return pairs.compactMap { pair in
            Key(rawValue: pair.key).map { ($0, pair.value, path + [.key(pair.key)]) }
        }
    }

    package func scalarText(_ node: YAMLNode) -> String? {
        if case .scalar(let text, _) = node.content { return text }
        return nil
    }

    /// A name: the scalar's text, whatever YAML would type it as.
    package mutating func name(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> String? {
        guard let text = scalarText(node) else {
            error(node, path(), "expected a name, found \(node.kindName)")
            return nil
        }
        return text
    }

    package mutating func number(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Double? {
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

    package mutating func integer(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Int? {
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

    /// A number that `accepts` takes; any other number is reported with `message` and read as `nil`, so the caller
    /// keeps its default.
    package mutating func number(
        _ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent], where accepts: (Double) -> Bool,
        else message: String
    ) -> Double? {
        guard let value = number(node, path()) else { return nil }
        guard accepts(value) else {
            error(node, path(), message)
            return nil
        }
        return value
    }

    /// An integer in `range`; any other integer is reported with `message` and read as `nil`.
    package mutating func integer(
        _ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent], in range: ClosedRange<Int>, else message: String
    ) -> Int? {
        guard let value = integer(node, path()) else { return nil }
        guard range.contains(value) else {
            error(node, path(), message)
            return nil
        }
        return value
    }

    package mutating func bool(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Bool? {
        guard case .scalar(let text, let style) = node.content, case .bool(let value) = ScalarResolver.resolve(text, style)
        else {
            error(node, path(), "expected true or false, found \(scalarText(node).map { "'\($0)'" } ?? node.kindName)")
            return nil
        }
        return value
    }

    package mutating func time(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> Double? {
        guard let text = scalarText(node), let seconds = RFC3339Time.parse(text) else {
            error(node, path(), "expected an RFC 3339 time such as 2026-01-05T00:00:00Z")
            return nil
        }
        return seconds
    }

    package mutating func names(_ node: YAMLNode, _ path: @autoclosure () -> [ConfigPathComponent]) -> [String] {
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
    package func value(_ node: YAMLNode) -> FlagValue {
        switch node.content {
        case .scalar(let text, let style): return ScalarResolver.resolve(text, style)
        case .sequence(let items): return .list(items.map(value))
        case .mapping(let pairs):
            var object: [String: FlagValue] = [:]
            for pair in pairs { object[pair.key] = value(pair.value) }
            return .object(object)
        }
    }
}
