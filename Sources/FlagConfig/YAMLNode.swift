import FlagEngine

/// A YAML node with the file position it came from; mapping keys are always plain names.
///
/// Keys are kept as their text, never resolved: `on:` and `off:` are the names "on" and "off", which is exactly
/// what the seed system's Python loader got wrong (docs/configuration.md, "The flags file").
package struct YAMLNode: Sendable, Equatable {
    package enum ScalarStyle: Sendable {
        case plain
        case quoted
        case block
    }

    package enum Content: Sendable, Equatable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([(key: String, keyLocation: SourceLocation, value: YAMLNode)])

        package static func == (lhs: Content, rhs: Content) -> Bool {
            switch (lhs, rhs) {
            case (.scalar(let left, let leftStyle), .scalar(let right, let rightStyle)):
                return left == right && leftStyle == rightStyle
            case (.sequence(let left), .sequence(let right)):
                return left == right
            case (.mapping(let left), .mapping(let right)):
                return left.count == right.count
                    && zip(left, right).allSatisfy { pair in
                        pair.0.key == pair.1.key && pair.0.keyLocation == pair.1.keyLocation && pair.0.value == pair.1.value
                    }
            default:
                return false
            }
        }
    }

    package var content: Content
    package var location: SourceLocation

    /// The value under `key` of a mapping.
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = content else { return nil }
        return pairs.last(where: { $0.key.hasSameCodePoints(as: key) })?.value
    }

    /// A mapping's pairs, in order; `nil` for scalars and lists.
    package var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLNode)]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    package var isMapping: Bool {
        if case .mapping = content { return true }
        return false
    }

    package var kindName: String {
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

/// Parses YAML text into located ``YAMLNode`` trees (libyaml events, see ``YAMLComposer``), within a node budget.
package enum YAMLReader {
    /// Expanded nodes one document may have; an alias counts as its whole subtree, so a "billion laughs" document is
    /// refused at once. A 10,000-flag file has about 500,000.
    static let nodeBudget = 4_000_000
    /// Nesting deeper than this is refused, at the bracket or indentation that passes it, before libyaml sees the
    /// file. (libyaml's own limit, 1,000 levels, comes with a less helpful message; neither it nor the composer
    /// recurses.)
    static let maximumDepth = 256

    package static func read(_ text: String, file: String) throws(FlagConfigError) -> YAMLNode? {
        var bytes = Array(text.utf8)
        var corrections = ColumnCorrections()
        if let rewritten = JSONSurrogatePairs.rewrite(bytes) {
            bytes = rewritten.bytes
            corrections = rewritten.corrections
        }
        // A large flags file is parsed in halves, each scanned for nesting first; anything unusual comes back here.
        if corrections.isEmpty, let composed = YAMLSplitParse.compose(bytes, file: file, nodeBudget: nodeBudget) { return composed }
        if let location = excessiveNesting(in: bytes, file: file) {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: location, path: "",
                    message: "YAML nesting is deeper than \(maximumDepth) levels")
            ], stage: .parse)
        }
        var composer = YAMLComposer(file: file, nodeBudget: nodeBudget, columnCorrections: corrections)
        return try composer.compose(bytes)
    }

    /// The position where flow brackets or block indicators first nest deeper than ``maximumDepth``, if anywhere.
    /// A cheap pre-scan so that hostile nesting never reaches the parser. Block nesting shows as a long
    /// run of spaces and `-`, `?`, `:` indicators at the start of a line; flow nesting as unclosed brackets.
    static func excessiveNesting(in bytes: [UInt8], file: String) -> SourceLocation? {
        bytes.withUnsafeBufferPointer { excessiveNesting(in: $0, file: file) }
    }

    private static func excessiveNesting(in bytes: UnsafeBufferPointer<UInt8>, file: String) -> SourceLocation? {
        var depth = 0
        var line = 1
        var column = 0
        var atLineStart = true
        var quote: UInt8 = 0
        var inComment = false
        for byte in bytes {
            column &+= 1
            if byte == UInt8(ascii: "\n") {
                line &+= 1
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
            if quote != 0 {
                if byte == quote { quote = 0 }
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
