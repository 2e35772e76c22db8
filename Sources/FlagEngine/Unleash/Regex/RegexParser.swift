/// Parses RE2's syntax (the `REGEX` constraint operator's, as Unleash's engines take it) into a ``RegexNode`` tree.
///
/// Supported: literals and escapes (`\n`, `\t`, `\x41`, `\x{263a}`, escaped punctuation, `\Q...\E` quoting), `.`,
/// `^`, `$`, `\A`, `\z`, `\b`, `\B`, the ASCII classes `\d \w \s` and their negations, Unicode general categories
/// (`\pL`, `\p{Lu}`, `\P{N}`, `\p{^Nd}`, `\p{Any}`), bracket classes with ranges, negation, escapes and POSIX classes
/// (`[[:alpha:]]`), groups (`(...)`, `(?:...)`, `(?P<name>...)`, `(?<name>...)`), alternation, `* + ? {n} {n,} {n,m}`
/// (each possibly lazy, which does not change whether a text matches) and the flags `i`, `m`, `s`, `U` inline (`(?i)`)
/// or scoped (`(?i:...)`). What RE2 refuses (lookaround, backreferences) is an error, and so is what this parser does
/// not know (script classes such as `\p{Greek}`): the constraint is then false.
struct RegexParser {
    /// Counted repetition above this is an error, as in RE2.
    static let maximumRepeat = 1_000

    struct Flags {
        var caseInsensitive = false
        var multiline = false
        var dotMatchesNewline = false
    }

    private let scalars: [UInt32]
    private var position = 0

    init(_ pattern: String) {
        scalars = pattern.unicodeScalars.map(\.value)
    }

    static func parse(_ pattern: String, caseInsensitive: Bool) throws(RegexSyntaxError) -> RegexNode {
        var parser = RegexParser(pattern)
        var flags = Flags()
        flags.caseInsensitive = caseInsensitive
        let node = try parser.alternation(&flags)
        guard parser.position == parser.scalars.count else { throw RegexSyntaxError("unmatched ')'") }
        return node
    }

    private var current: UInt32? { position < scalars.count ? scalars[position] : nil }

    private mutating func take(_ scalar: Character) -> Bool {
        guard current == scalar.unicodeScalars.first!.value else { return false }
        position += 1
        return true
    }

    private mutating func alternation(_ flags: inout Flags) throws(RegexSyntaxError) -> RegexNode {
        var branches = [try concatenation(&flags)]
        while take("|") { branches.append(try concatenation(&flags)) }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation(_ flags: inout Flags) throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let scalar = current, scalar != ascii("|"), scalar != ascii(")") {
            if scalar == ascii("("), let changed = try flagGroup(flags) {
                // `(?flags)`: the rest of the enclosing group reads with the new flags.
                flags = changed
                continue
            }
            var atom: RegexNode
            if scalar == ascii("\\"), position + 1 < scalars.count, scalars[position + 1] == ascii("Q") {
                // `\Q...\E`: literal text; a repetition after it repeats its last scalar, as in RE2.
                let quoted = quotedText(flags)
                guard let last = quoted.last else {
                    // `x\Q\E*`: nothing quoted, so a repetition applies to what came before, as in RE2.
                    if let previous = items.last, let repeated = try repetition(of: previous) { items[items.count - 1] = repeated }
                    continue
                }
                items += quoted.dropLast()
                atom = last
            } else {
                atom = try self.atom(flags)
            }
            if let repeated = try repetition(of: atom) {
                atom = repeated
                // `a**` is an error in RE2; `(a*)*` is not (the group ends the first repetition).
                if try repetition(of: atom) != nil { throw RegexSyntaxError("bad repetition operator") }
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .concatenation(items)
    }

    /// The scalars of `\Q...\E` as literals, read past the `\E` (or to the end of the pattern, which closes it too).
    private mutating func quotedText(_ flags: Flags) -> [RegexNode] {
        position += 2
        var literals: [RegexNode] = []
        while let scalar = current {
            if scalar == ascii("\\"), position + 1 < scalars.count, scalars[position + 1] == ascii("E") {
                position += 2
                break
            }
            literals.append(.literal(scalar, caseInsensitive: flags.caseInsensitive))
            position += 1
        }
        return literals
    }

    /// `(?flags)` alone: the flags it sets; nil (and nothing read) for any other group.
    private mutating func flagGroup(_ flags: Flags) throws(RegexSyntaxError) -> Flags? {
        guard position + 2 < scalars.count, scalars[position + 1] == ascii("?") else { return nil }
        var probe = position + 2
        while probe < scalars.count, "imsU-".unicodeScalars.contains(where: { $0.value == scalars[probe] }) { probe += 1 }
        guard probe < scalars.count, scalars[probe] == ascii(")"), probe > position + 2 else { return nil }
        let changed = try applyFlags(scalars[(position + 2)..<probe], to: flags)
        position = probe + 1
        return changed
    }

    private func applyFlags(_ letters: ArraySlice<UInt32>, to flags: Flags) throws(RegexSyntaxError) -> Flags {
        var flags = flags
        var on = true
        for letter in letters {
            switch letter {
            case ascii("-"):
                guard on else { throw RegexSyntaxError("bad flags") }
                on = false
            case ascii("i"): flags.caseInsensitive = on
            case ascii("m"): flags.multiline = on
            case ascii("s"): flags.dotMatchesNewline = on
            case ascii("U"): break  // Ungreedy: whether a text matches does not depend on it.
            default: throw RegexSyntaxError("bad flags")
            }
        }
        return flags
    }

    private mutating func atom(_ flags: Flags) throws(RegexSyntaxError) -> RegexNode {
        guard let scalar = current else { throw RegexSyntaxError("missing argument to repetition operator") }
        position += 1
        switch scalar {
        case ascii("("): return try group(flags)
        case ascii("["): return try bracketClass(flags)
        case ascii("."):
            return flags.dotMatchesNewline ? .set(RegexSet(ranges: [0...0x10FFFF])) : .set(RegexSet(ranges: [0...9, 11...0x10FFFF]))
        case ascii("^"): return .assertion(flags.multiline ? .lineStart : .textStart)
        case ascii("$"): return .assertion(flags.multiline ? .lineEnd : .textEnd)
        case ascii("\\"): return try escape(flags)
        case ascii("*"), ascii("+"), ascii("?"): throw RegexSyntaxError("missing argument to repetition operator")
        default: return .literal(scalar, caseInsensitive: flags.caseInsensitive)
        }
    }

    private mutating func group(_ outer: Flags) throws(RegexSyntaxError) -> RegexNode {
        var flags = outer
        if take("?") {
            if take(":") {
            } else if take("P") || current == ascii("<") {
                guard take("<") else { throw RegexSyntaxError("invalid named capture") }
                if current == ascii("=") || current == ascii("!") { throw RegexSyntaxError("lookbehind is not supported") }
                while let scalar = current, scalar != ascii(">") { position += 1 }
                guard take(">") else { throw RegexSyntaxError("invalid named capture") }
            } else if current == ascii("=") || current == ascii("!") {
                throw RegexSyntaxError("lookahead is not supported")
            } else {
                let start = position
                while let scalar = current, scalar != ascii(":"), scalar != ascii(")") { position += 1 }
                guard take(":") else { throw RegexSyntaxError("bad flags") }
                flags = try applyFlags(scalars[start..<(position - 1)], to: flags)
            }
        }
        let inner = try alternation(&flags)
        guard take(")") else { throw RegexSyntaxError("missing ')'") }
        return inner
    }

    private mutating func repetition(of atom: RegexNode) throws(RegexSyntaxError) -> RegexNode? {
        guard let scalar = current else { return nil }
        let bounds: (Int, Int?)
        switch scalar {
        case ascii("*"): bounds = (0, nil); position += 1
        case ascii("+"): bounds = (1, nil); position += 1
        case ascii("?"): bounds = (0, 1); position += 1
        case ascii("{"):
            guard let counted = countedBounds() else { return nil }
            bounds = counted
        default: return nil
        }
        if case .assertion = atom { throw RegexSyntaxError("bad repetition operator") }
        _ = take("?")  // lazy
        guard bounds.0 <= Self.maximumRepeat, (bounds.1 ?? 0) <= Self.maximumRepeat, bounds.0 <= (bounds.1 ?? .max)
        else { throw RegexSyntaxError("bad repetition operator") }
        return .repetition(atom, minimum: bounds.0, maximum: bounds.1)
    }

    /// `{n}`, `{n,}` or `{n,m}` (read only when it is one; otherwise `{` is a literal, as in RE2).
    private mutating func countedBounds() -> (Int, Int?)? {
        var probe = position + 1
        func number() -> Int? {
            let start = probe
            var value = 0
            while probe < scalars.count, scalars[probe] >= ascii("0"), scalars[probe] <= ascii("9") {
                value = min(value * 10 + Int(scalars[probe] - ascii("0")), 100_000)
                probe += 1
            }
            return probe > start ? value : nil
        }
        guard let minimum = number() else { return nil }
        var maximum: Int? = minimum
        if probe < scalars.count, scalars[probe] == ascii(",") {
            probe += 1
            maximum = number()
        }
        guard probe < scalars.count, scalars[probe] == ascii("}") else { return nil }
        position = probe + 1
        return (minimum, maximum)
    }

    private mutating func escape(_ flags: Flags) throws(RegexSyntaxError) -> RegexNode {
        guard let scalar = current else { throw RegexSyntaxError("trailing backslash") }
        position += 1
        switch scalar {
        case ascii("A"): return .assertion(.textStart)
        case ascii("z"): return .assertion(.textEnd)
        case ascii("b"): return .assertion(.wordBoundary)
        case ascii("B"): return .assertion(.notWordBoundary)
        default:
            if let set = try classEscape(scalar, foldingCase: flags.caseInsensitive) { return .set(set) }
            return .literal(try literalEscape(scalar), caseInsensitive: flags.caseInsensitive)
        }
    }

    /// `\d \D \w \W \s \S` (ASCII, as RE2 has them) and the Unicode classes `\p`/`\P`, with their case variants when
    /// `foldingCase`; nil for any other escape. As in RE2, a negated class takes its case variants before it is
    /// negated: `(?i)\W` matches neither `k` nor `K`.
    private mutating func classEscape(_ scalar: UInt32, foldingCase: Bool) throws(RegexSyntaxError) -> RegexSet? {
        let set: RegexSet
        switch scalar {
        case ascii("d"), ascii("D"): set = .digit
        case ascii("w"), ascii("W"): set = .word
        case ascii("s"), ascii("S"): set = .space
        case ascii("p"), ascii("P"): return try unicodeClass(negated: scalar == ascii("P"), foldingCase: foldingCase)
        default: return nil
        }
        let folded = foldingCase ? set.caseFolded() : set
        let negated = scalar == ascii("D") || scalar == ascii("W") || scalar == ascii("S")
        return negated ? folded.inverted : folded
    }

    /// After `\p` or `\P`: a one-letter name (`\pL`) or a braced one (`\p{Lu}`, `\p{^Lu}` for the complement). As in
    /// RE2, the class takes its case variants before it is negated.
    private mutating func unicodeClass(negated: Bool, foldingCase: Bool) throws(RegexSyntaxError) -> RegexSet {
        guard let first = current else { throw RegexSyntaxError("invalid character class range: missing class name") }
        position += 1
        var negated = negated
        var name: [UInt32] = [first]
        if first == ascii("{") {
            let start = position
            while let scalar = current, scalar != ascii("}") { position += 1 }
            guard take("}") else { throw RegexSyntaxError("invalid character class range: missing }") }
            name = Array(scalars[start..<(position - 1)])
            if name.first == ascii("^") {
                negated.toggle()
                name.removeFirst()
            }
        }
        let text = String(String.UnicodeScalarView(name.compactMap(Unicode.Scalar.init)))
        guard var set = RegexSet.unicodeClass(named: text) else {
            throw RegexSyntaxError("Unicode class \\p{\(text)} is not supported (general categories and Any are)")
        }
        if foldingCase { set = set.caseFolded() }
        return negated ? set.inverted : set
    }

    /// The scalar an escape outside `\d`-style classes stands for.
    private mutating func literalEscape(_ scalar: UInt32) throws(RegexSyntaxError) -> UInt32 {
        switch scalar {
        case ascii("n"): return 10
        case ascii("t"): return 9
        case ascii("r"): return 13
        case ascii("f"): return 12
        case ascii("v"): return 11
        case ascii("a"): return 7
        case ascii("x"): return try hexEscape()
        case ascii("1")...ascii("9"): throw RegexSyntaxError("backreferences are not supported")
        default:
            // Punctuation escapes to itself; an escaped letter or digit RE2 does not know is an error.
            guard scalar < 128, !isWordScalar(scalar) else { throw RegexSyntaxError("invalid escape sequence") }
            return scalar
        }
    }

    private mutating func hexEscape() throws(RegexSyntaxError) -> UInt32 {
        func digit(_ scalar: UInt32?) -> UInt32? {
            guard let scalar, let value = Character(Unicode.Scalar(scalar)!).hexDigitValue else { return nil }
            return UInt32(value)
        }
        if take("{") {
            var value: UInt32 = 0
            var count = 0
            while let next = digit(current) {
                value = value * 16 + next
                count += 1
                position += 1
                guard value <= 0x10FFFF else { throw RegexSyntaxError("invalid escape sequence") }
            }
            guard count > 0, take("}") else { throw RegexSyntaxError("invalid escape sequence") }
            return value
        }
        guard let high = digit(current), let low = digit(position + 1 < scalars.count ? scalars[position + 1] : nil)
        else { throw RegexSyntaxError("invalid escape sequence") }
        position += 2
        return high * 16 + low
    }

    private mutating func bracketClass(_ flags: Flags) throws(RegexSyntaxError) -> RegexNode {
        let negated = take("^")
        var ranges: [ClosedRange<UInt32>] = []
        // Class escapes (`\d`, `\P{L}`) come with their case variants already, negated ones folded before negation.
        var classes: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard let scalar = current else { throw RegexSyntaxError("missing closing ]") }
            if scalar == ascii("]"), !first { position += 1; break }
            first = false
            if scalar == ascii("["), position + 1 < scalars.count, scalars[position + 1] == ascii(":") {
                let (posix, negatedPosix) = try posixClass()
                if negatedPosix {
                    classes += (flags.caseInsensitive ? posix.caseFolded() : posix).inverted.ranges
                } else {
                    ranges += posix.ranges
                }
                continue
            }
            position += 1
            var low = scalar
            if scalar == ascii("\\") {
                guard let escaped = current else { throw RegexSyntaxError("missing closing ]") }
                position += 1
                if let set = try classEscape(escaped, foldingCase: flags.caseInsensitive) {
                    classes += set.ranges
                    continue
                }
                low = escaped == ascii("b") ? 8 : try literalEscape(escaped)
            }
            var high = low
            if current == ascii("-"), position + 1 < scalars.count, scalars[position + 1] != ascii("]") {
                position += 1
                guard let end = current else { throw RegexSyntaxError("missing closing ]") }
                position += 1
                high = end == ascii("\\") ? try literalEscapeInRange() : end
                guard low <= high else { throw RegexSyntaxError("invalid character class range") }
            }
            ranges.append(low...high)
        }
        var set = RegexSet(ranges: ranges)
        if flags.caseInsensitive { set = set.caseFolded() }
        set = RegexSet(ranges: set.ranges + classes)
        return .set(negated ? set.inverted : set)
    }

    private mutating func literalEscapeInRange() throws(RegexSyntaxError) -> UInt32 {
        guard let escaped = current else { throw RegexSyntaxError("missing closing ]") }
        position += 1
        return try literalEscape(escaped)
    }

    /// `[:name:]` or `[:^name:]` inside a bracket class: the named class, and whether it is negated.
    private mutating func posixClass() throws(RegexSyntaxError) -> (RegexSet, negated: Bool) {
        let start = position + 2
        var end = start
        while end + 1 < scalars.count, !(scalars[end] == ascii(":") && scalars[end + 1] == ascii("]")) { end += 1 }
        guard end + 1 < scalars.count else { throw RegexSyntaxError("missing closing ]") }
        var name = String(String.UnicodeScalarView(scalars[start..<end].compactMap(Unicode.Scalar.init)))
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let set = RegexSet.posix[name] else { throw RegexSyntaxError("invalid character class range") }
        position = end + 2
        return (set, negated)
    }
}

/// Why a `REGEX` pattern is not one this engine takes (RE2's wording where RE2 has the same error).
public struct RegexSyntaxError: Error, Hashable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

func ascii(_ character: Character) -> UInt32 { character.unicodeScalars.first!.value }

/// RE2's ASCII word characters: `[0-9A-Za-z_]`.
func isWordScalar(_ scalar: UInt32) -> Bool {
    (scalar >= 48 && scalar <= 57) || (scalar >= 65 && scalar <= 90) || (scalar >= 97 && scalar <= 122) || scalar == 95
}
