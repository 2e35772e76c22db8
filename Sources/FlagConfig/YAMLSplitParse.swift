import Locking

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parses a large flags file as two halves at once, one on each core, and joins the trees.
///
/// libyaml is a sequential parser and, at about half of a 10,000-flag reload, the largest cost of one
/// (docs/benchmarks.md). A flags file spends nearly all of its bytes in the block mapping under the top-level `flags:`
/// key, and a line there that starts at the flag keys' indentation with a key can only be the start of the next flag:
/// - a block scalar inside a flag is indented deeper than the flag keys, so such a line ends it;
/// - a plain scalar cannot continue on a line that is not indented deeper than its block;
/// - a quoted scalar or a flow collection still open there leaves the first half unterminated, which libyaml refuses.
///
/// So the file is cut before such a line near the middle of the flags. The first half is the text before the cut; the
/// second is `flags:` followed by the text from the cut on, with its line numbers shifted back to the file's. The
/// halves are joined only when every check below holds; otherwise (or when either half fails in any way, say an alias
/// to an anchor of the other half, or a tag handle declared in the first) the whole file is parsed again in one piece,
/// so every error, and every tree, is exactly what the sequential parse gives.
enum YAMLSplitParse {
    /// Files smaller than this are parsed in one piece: the second thread would not pay for itself.
    static let minimumBytes = 256 * 1024

    /// Where the file is cut.
    struct Cut: Equatable {
        /// The byte offset of the first line of the second half.
        var offset: Int
        /// That line's number in the file (1-based).
        var line: Int
        /// The indentation of the flag keys, in spaces.
        var indent: Int
    }

    /// The composed tree of a large file parsed in halves, or `nil` when the file is not split or the halves do not
    /// join; the caller then parses it in one piece.
    static func compose(_ bytes: [UInt8], file: String, nodeBudget: Int) -> YAMLNode? {
        guard bytes.count >= minimumBytes,
            !bytes.withUnsafeBufferPointer(hasOtherLineBreaks),
            let cut = bytes.withUnsafeBufferPointer({ findCut(in: $0) })
        else {
            return nil
        }
        return compose(bytes, at: cut, file: file, nodeBudget: nodeBudget)
    }

    /// The tree of `bytes` parsed in two halves at `cut`, or `nil` when the halves do not join.
    static func compose(_ bytes: [UInt8], at cut: Cut, file: String, nodeBudget: Int) -> YAMLNode? {
        let (first, second) = concurrently(
            { composeHalf(Array(bytes[..<cut.offset]), lineOffset: 0, flagsLast: true, file: file, nodeBudget: nodeBudget) },
            {
                // The second half's line 2 is the file's line `cut.line`.
                composeHalf(
                    Array("flags:\n".utf8) + bytes[cut.offset...], lineOffset: cut.line - 2, flagsLast: false,
                    file: file, nodeBudget: nodeBudget)
            })
        guard let first, let second else { return nil }
        // A key on both sides of the cut is a duplicate the one-piece parse reports; let it.
        guard first.flagKeys.isDisjoint(with: second.flagKeys) else { return nil }
        return join(first.root, second.root, at: cut, nodes: first.nodes + second.nodes, nodeBudget: nodeBudget)
    }

    /// One half's tree, the nodes it spent, and the keys under its `flags:` (the root's last key in the first
    /// half, its first in the second), hashed on the half's own thread; `nil` when the half fails in any way.
    private static func composeHalf(_ part: [UInt8], lineOffset: Int, flagsLast: Bool, file: String, nodeBudget: Int)
        -> (root: YAMLNode, nodes: Int, flagKeys: Set<String>)?
    {
        // Each half is scanned for hostile nesting on its own thread; when one has it, the one-piece path scans the
        // whole file and reports it where it is.
        guard YAMLReader.excessiveNesting(in: part, file: file) == nil else { return nil }
        var composer = YAMLComposer(file: file, nodeBudget: nodeBudget, lineOffset: lineOffset)
        guard let root = try? composer.compose(part) else { return nil }
        let flags = flagsLast ? root.pairs?.last : root.pairs?.first
        return (root, composer.nodesSpent, Set(flags?.value.pairs?.lazy.map(\.key) ?? []))
    }

    /// The file's tree from its halves, when they are what a cut inside `flags:` must give.
    private static func join(_ first: YAMLNode, _ second: YAMLNode, at cut: Cut, nodes: Int, nodeBudget: Int)
        -> YAMLNode?
    {
        // The second half adds a root mapping, a `flags` key and a flags mapping that the file does not have.
        guard nodes - 3 <= nodeBudget,
            case .mapping(let firstRoot) = first.content, let firstFlags = firstRoot.last, firstFlags.key == "flags",
            case .mapping(let firstFlagPairs) = firstFlags.value.content, let firstFlag = firstFlagPairs.first,
            firstFlag.keyLocation.column == cut.indent + 1,
            case .mapping(let secondRoot) = second.content, let secondFlags = secondRoot.first,
            secondFlags.key == "flags", case .mapping(let secondFlagPairs) = secondFlags.value.content,
            let cutFlag = secondFlagPairs.first,
            cutFlag.keyLocation.line == cut.line, cutFlag.keyLocation.column == cut.indent + 1
        else { return nil }
        let rootKeys = Set(firstRoot.lazy.map(\.key))
        guard !secondRoot.dropFirst().contains(where: { rootKeys.contains($0.key) }) else { return nil }

        var flags = firstFlags.value
        flags.content = .mapping(firstFlagPairs + secondFlagPairs)
        var pairs = firstRoot
        pairs[pairs.count - 1].value = flags
        pairs += secondRoot.dropFirst()
        return YAMLNode(content: .mapping(pairs), location: first.location)
    }

    /// Whether the text has a line break other than `\n` and `\r\n`: a lone CR, NEL (U+0085), LINE SEPARATOR (U+2028)
    /// or PARAGRAPH SEPARATOR (U+2029). libyaml counts each as a new line; the cut counts `\n` only, so such a file is
    /// parsed in one piece, where every line number is libyaml's own.
    static func hasOtherLineBreaks(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        func occurrences(of lead: UInt8, where matches: (Int) -> Bool) -> Bool {
            var position = 0
            while position < bytes.count, let found = memchr(base + position, Int32(lead), bytes.count - position) {
                let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if matches(index) { return true }
                position = index + 1
            }
            return false
        }
        return occurrences(of: 0x0D) { $0 + 1 >= bytes.count || bytes[$0 + 1] != 0x0A }
            || occurrences(of: 0xC2) { $0 + 1 < bytes.count && bytes[$0 + 1] == 0x85 }
            || occurrences(of: 0xE2) { $0 + 2 < bytes.count && bytes[$0 + 1] == 0x80 && (bytes[$0 + 2] == 0xA8 || bytes[$0 + 2] == 0xA9) }
    }

    /// A line near the middle of the top-level `flags:` block mapping that starts a flag, if the file has one.
    static func findCut(in bytes: UnsafeBufferPointer<UInt8>) -> Cut? {
        var lines = LineScanner(bytes: bytes)
        // The top-level `flags:` key, alone on its line (a comment may follow).
        var foundFlags = false
        while let line = lines.next() {
            if isFlagsKey(bytes[line]) {
                foundFlags = true
                break
            }
        }
        guard foundFlags else { return nil }
        // The first flag key fixes the indentation.
        var indent = 0
        var bodyStart = 0
        while let line = lines.next() {
            let content = bytes[line]
            guard let first = content.firstIndex(where: { $0 != UInt8(ascii: " ") }) else { continue }
            if content[first] == UInt8(ascii: "#") || content[first] == UInt8(ascii: "\r") { continue }
            indent = first - line.lowerBound
            guard indent > 0, startsKey(content[first]) else { return nil }
            bodyStart = line.lowerBound
            break
        }
        guard indent > 0 else { return nil }
        // The flags end at the next line that starts at column 1 with anything but a comment.
        var bodyEnd = bytes.count
        while let line = lines.next() {
            guard let byte = bytes[line].first, byte != UInt8(ascii: " "), byte != UInt8(ascii: "#"),
                byte != UInt8(ascii: "\r")
            else { continue }
            bodyEnd = line.lowerBound
            break
        }
        // The first flag line at the flag indentation from the middle on.
        lines.move(to: bodyStart + (bodyEnd - bodyStart) / 2)
        while let line = lines.next(), line.lowerBound < bodyEnd {
            guard line.count > indent else { continue }
            let keyStart = line.lowerBound + indent
            guard bytes[line.lowerBound..<keyStart].allSatisfy({ $0 == UInt8(ascii: " ") }), startsKey(bytes[keyStart])
            else { continue }
            var newlines = 0
            for byte in UnsafeBufferPointer(rebasing: bytes[..<line.lowerBound]) {
                newlines &+= byte == UInt8(ascii: "\n") ? 1 : 0
            }
            return Cut(offset: line.lowerBound, line: newlines + 1, indent: indent)
        }
        return nil
    }

    /// `flags:` at column 1, then only blanks or a comment.
    private static func isFlagsKey(_ line: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        let key = Array("flags:".utf8)
        guard line.starts(with: key) else { return false }
        for byte in line.dropFirst(key.count) {
            if byte == UInt8(ascii: "#") { return true }
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\r") { return false }
        }
        return true
    }

    /// A byte that may start a plain mapping key in block context (not an indicator, blank or comment).
    private static func startsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "#"),
            UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: "&"), UInt8(ascii: "*"),
            UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""),
            UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            return false
        default:
            return true
        }
    }

    /// The lines of a buffer, without their `\n`; `memchr` finds each end.
    struct LineScanner {
        let bytes: UnsafeBufferPointer<UInt8>
        private var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        /// Moves (either way) to `offset` if a line starts there, else to the start of the next line.
        mutating func move(to offset: Int) {
            position = min(max(offset, 0), bytes.count)
            if position > 0 && position < bytes.count && bytes[position - 1] != UInt8(ascii: "\n") { _ = next() }
        }

        mutating func next() -> Range<Int>? {
            guard position < bytes.count, let base = bytes.baseAddress else { return nil }
            let start = position
            let end: Int
            if let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start) {
                end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            } else {
                end = bytes.count
            }
            position = end + 1
            return start..<end
        }
    }
}
