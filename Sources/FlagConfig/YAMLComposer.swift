import CYaml
import FlagEngine

/// Builds a located ``YAMLNode`` tree straight from libyaml's parse events.
///
/// It reads the libyaml that Yams bundles (its `CYaml` module, pinned with Yams at an exact version), so the binary
/// keeps one libyaml. Composing from events instead of through Yams' `Node` values is about four times faster on
/// a 10,000-flag file (docs/benchmarks.md), and it lets the composer:
/// - count aliases as expanded in O(1): each anchor remembers the size of its subtree, so an alias bomb is refused
///   at the first alias that would pass the budget, without expanding anything;
/// - report a duplicate key at the duplicate itself;
/// - build iteratively, so no input can exhaust the stack here.
struct YAMLComposer {
    /// An open collection. Mutated in place on the stack so that appending never copies its elements.
    private struct Frame {
        var isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLNode)] = []
        var pendingKey: (String, SourceLocation)?
        var keys: Set<String> = []
        var location: SourceLocation
        var anchor: String?
        var size = 1
    }

    let file: String
    let nodeBudget: Int
    /// Added to every line number: the composer may be reading a part of a file (``YAMLReader``'s split parse).
    let lineOffset: Int
    /// Column shifts of a rewritten text (``JSONSurrogatePairs``), so that locations are the file's.
    let columnCorrections: ColumnCorrections

    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var remaining: Int
    private var root: YAMLNode?
    private var documents = 0

    init(file: String, nodeBudget: Int, lineOffset: Int = 0, columnCorrections: ColumnCorrections = ColumnCorrections()) {
        self.file = file
        self.nodeBudget = nodeBudget
        self.lineOffset = lineOffset
        self.columnCorrections = columnCorrections
        self.remaining = nodeBudget
    }

    /// Expanded nodes composed so far, aliases counted as their whole subtree.
    var nodesSpent: Int { nodeBudget - remaining }

    private func fail(_ message: String, at location: SourceLocation) -> FlagConfigError {
        FlagConfigError(
            diagnostics: [ConfigDiagnostic(severity: .error, location: location, path: "", message: message)],
            stage: .parse)
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        let column = Int(mark.column) + columnCorrections.shift(line: Int(mark.line) + lineOffset, column: Int(mark.column))
        return SourceLocation(file: file, line: Int(mark.line) + 1 + lineOffset, column: column + 1)
    }

    private static func string(_ pointer: UnsafePointer<UInt8>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func string(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Composes the single document in `text`, or `nil` for an empty stream.
    mutating func compose(_ text: String) throws(FlagConfigError) -> YAMLNode? {
        try compose(Array(text.utf8))
    }

    /// Composes the single document in the UTF-8 `bytes`, or `nil` for an empty stream.
    mutating func compose(_ bytes: consuming [UInt8]) throws(FlagConfigError) -> YAMLNode? {
        if bytes.isEmpty { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw fail("libyaml could not initialise a parser", at: SourceLocation(file: file, line: 1, column: 1))
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(FlagConfigError) -> YAMLNode? in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { throw parserError(parser, buffer) }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return root }
                try handle(event)
            }
        }
    }

    private mutating func handle(_ event: yaml_event_t) throws(FlagConfigError) {
        let here = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 { throw fail("expected a single YAML document, found another", at: here) }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = Self.string(scalar.value, Int(scalar.length))
            let explicitString = Self.string(scalar.tag) == "tag:yaml.org,2002:str"
            let style: YAMLNode.ScalarStyle
            switch scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = explicitString ? .quoted : .plain
            }
            try add(YAMLNode(content: .scalar(text, style), location: here), size: 1, anchor: Self.string(scalar.anchor))
        case YAML_SEQUENCE_START_EVENT:
            try spend(1, at: here)
            stack.append(Frame(isMapping: false, location: here, anchor: Self.string(event.data.sequence_start.anchor)))
        case YAML_MAPPING_START_EVENT:
            try spend(1, at: here)
            stack.append(Frame(isMapping: true, location: here, anchor: Self.string(event.data.mapping_start.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let content: YAMLNode.Content = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
            try add(YAMLNode(content: content, location: frame.location), size: frame.size, anchor: frame.anchor, counted: true)
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else { throw fail("alias '*\(name)' refers to no anchor", at: here) }
            // The alias counts as its whole expanded subtree, in O(1).
            try spend(target.size, at: here)
            var node = target.node
            node.location = here
            try add(node, size: target.size, anchor: nil, counted: true)
        default:
            break
        }
    }

    private mutating func spend(_ nodes: Int, at location: SourceLocation) throws(FlagConfigError) {
        remaining -= nodes
        if remaining < 0 {
            throw fail("document expands to more than \(nodeBudget) nodes (aliases); refused as an alias bomb", at: location)
        }
    }

    private mutating func add(_ node: YAMLNode, size: Int, anchor: String?, counted: Bool = false)
        throws(FlagConfigError)
    {
        if !counted { try spend(size, at: node.location) }
        if let anchor { anchors[anchor] = (node, size) }
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        if !stack[top].isMapping {
            stack[top].items.append(node)
            return
        }
        if let (key, keyLocation) = stack[top].pendingKey {
            stack[top].pairs.append((key, keyLocation, node))
            stack[top].pendingKey = nil
            return
        }
        guard case .scalar(let key, _) = node.content else {
            throw fail("mapping keys must be plain names, not \(node.kindName)", at: node.location)
        }
        // Small mappings (nearly all of them) are checked by a scan; large ones through a set.
        let pairs = stack[top].pairs
        let held: String?
        if pairs.count < 16 {
            held = pairs.first { $0.key == key }?.key
        } else {
            if stack[top].keys.isEmpty { stack[top].keys = Set(pairs.map(\.key)) }
            let insertion = stack[top].keys.insert(key)
            held = insertion.inserted ? nil : insertion.memberAfterInsert
        }
        if let held {
            // `String`'s `==` also equates canonically equivalent spellings, which every flag system keeps apart.
            if let twins = NormalizationTwins(held: held, incoming: key) {
                throw fail("keys \(twins) in the same mapping; rename one", at: node.location)
            }
            throw fail("duplicate key '\(key)' in the same mapping", at: node.location)
        }
        stack[top].pendingKey = (key, node.location)
    }

    private func parserError(_ parser: yaml_parser_t, _ buffer: UnsafeMutableBufferPointer<UInt8>) -> FlagConfigError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        var message = "YAML syntax: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        if parser.error == YAML_READER_ERROR {
            // Reader errors (bad encoding, control characters) give a byte offset, not a mark.
            let offset = min(Int(parser.problem_offset), buffer.count)
            var line = 1 + lineOffset
            var column = 1
            for byte in buffer[0..<offset] {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            column += columnCorrections.shift(line: line - 1, column: column - 1)
            return fail(message, at: SourceLocation(file: file, line: line, column: column))
        }
        return fail(message, at: location(parser.problem_mark))
    }
}
