import FlagEngine
import Yams

/// A YAML node with the file position it came from; mapping keys are always plain names.
///
/// Keys are kept as their text, never resolved: `on:` and `off:` are the names "on" and "off", which is exactly
/// what the seed system's Python loader got wrong (CONFIG.md §1).
struct YAMLNode: Sendable {
    enum ScalarStyle: Sendable {
        case plain
        case quoted
        case block
    }

    enum Content: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([(key: String, keyLocation: SourceLocation, value: YAMLNode)])
    }

    var content: Content
    var location: SourceLocation

    /// The value under `key` of a mapping.
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = content else { return nil }
        return pairs.last(where: { $0.key == key })?.value
    }

    var isMapping: Bool {
        if case .mapping = content { return true }
        return false
    }

    var kindName: String {
        switch content {
        case .scalar: "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// A copy without `key` (mappings only).
    func removing(_ keys: Set<String>) -> YAMLNode {
        guard case .mapping(let pairs) = content else { return self }
        return YAMLNode(content: .mapping(pairs.filter { !keys.contains($0.key) }), location: location)
    }
}

/// Parses YAML text into located ``YAMLNode`` trees through Yams (libyaml), within a node budget.
enum YAMLReader {
    /// Expanded nodes one document may have. Aliases are expanded while counting, so a "billion laughs" document is
    /// refused after this many nodes instead of being walked to the end. A 10,000-flag file has about 500,000.
    static let nodeBudget = 4_000_000
    /// Nesting deeper than this is refused before libyaml sees it (its parser recurses).
    static let maximumDepth = 256

    static func read(_ text: String, file: String) throws(FlagConfigError) -> YAMLNode? {
        if let location = excessiveNesting(in: text, file: file) {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: location, path: "",
                    message: "YAML nesting is deeper than \(maximumDepth) levels")
            ])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw FlagConfigError(diagnostics: [diagnostic(for: error, file: file)])
        } catch {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: SourceLocation(file: file, line: 1, column: 1), path: "",
                    message: "YAML could not be read: \(error)")
            ])
        }
        guard let root else { return nil }
        var budget = nodeBudget
        guard let converted = convert(root, file: file, budget: &budget) else {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: location(of: root, file: file), path: "",
                    message: "document expands to more than \(nodeBudget) nodes (aliases); refused as an alias bomb")
            ])
        }
        return converted
    }

    private static func location(of node: Node, file: String) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func convert(_ node: Node, file: String, budget: inout Int) -> YAMLNode? {
        budget -= 1
        if budget < 0 { return nil }
        let here = location(of: node, file: file)
        switch node {
        case .scalar(let scalar):
            let style: YAMLNode.ScalarStyle =
                switch scalar.style {
                case .singleQuoted, .doubleQuoted: .quoted
                case .literal, .folded: .block
                default: .plain
                }
            return YAMLNode(content: .scalar(scalar.string, style), location: here)
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                guard let converted = convert(item, file: file, budget: &budget) else { return nil }
                items.append(converted)
            }
            return YAMLNode(content: .sequence(items), location: here)
        case .mapping(let mapping):
            var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLNode)] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                budget -= 1
                let keyText: String
                switch key {
                case .scalar(let scalar): keyText = scalar.string
                default: keyText = "<complex key>"
                }
                guard let converted = convert(value, file: file, budget: &budget) else { return nil }
                pairs.append((keyText, location(of: key, file: file), converted))
            }
            return YAMLNode(content: .mapping(pairs), location: here)
        case .alias:
            return YAMLNode(content: .scalar("", .plain), location: here)
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> ConfigDiagnostic {
        func make(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ConfigDiagnostic {
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at \(context.mark.line):\(context.mark.column))" }
            return ConfigDiagnostic(
                severity: .error, location: SourceLocation(file: file, line: mark.line, column: mark.column),
                path: "", message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return make(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigDiagnostic(
                severity: .error,
                location: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                path: "",
                message: "duplicate key\(duplicates.count > 1 ? "s" : "") "
                    + duplicates.map { "'\($0)'" }.joined(separator: ", ") + " in the same mapping")
        case .reader(let problem, let offset, _, _):
            return ConfigDiagnostic(
                severity: .error, location: SourceLocation(file: file, line: 1, column: 1), path: "",
                message: "YAML reader: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            return ConfigDiagnostic(
                severity: .error, location: SourceLocation(file: file, line: 1, column: 1), path: "",
                message: "YAML: \(error)")
        }
    }

    /// The position where flow brackets or block indicators first nest deeper than ``maximumDepth``, if anywhere.
    /// A cheap pre-scan so that hostile nesting never reaches the recursive composer. Block nesting shows as a long
    /// run of spaces and `-`, `?`, `:` indicators at the start of a line; flow nesting as unclosed brackets.
    static func excessiveNesting(in text: String, file: String) -> SourceLocation? {
        var depth = 0
        var line = 1
        var column = 0
        var atLineStart = true
        var quote: UInt8? = nil
        var inComment = false
        for byte in text.utf8 {
            column += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
                atLineStart = true
                inComment = false
                continue
            }
            if atLineStart {
                let isIndicator =
                    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?")
                    || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "\t")
                if isIndicator {
                    if column > maximumDepth * 4 { return SourceLocation(file: file, line: line, column: column) }
                    continue
                }
                atLineStart = false
            }
            if inComment { continue }
            if let open = quote {
                if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "#"): inComment = true
            case UInt8(ascii: "'"), UInt8(ascii: "\""): quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return SourceLocation(file: file, line: line, column: column) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
            default:
                break
            }
        }
        return nil
    }
}
