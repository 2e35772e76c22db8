/// Text as the flag systems this engine answers for compare and transform it: code point by code point.
///
/// Python (the seed system), JavaScript (json-logic-js, Unleash's Node SDK), Go (flagd) and Rust (flagd's and
/// Unleash's shared engines) compare strings by their code points or code units, never by Unicode canonical
/// equivalence. Swift's `String` does the latter: `"e\u{301}" == "\u{e9}"`, and `hasPrefix`, `hasSuffix`, `contains`
/// and dictionary keys work on whole characters, so `"e\u{301}x".hasPrefix("e")` is false. Every comparison a rule
/// makes of context text goes through these functions instead, so that the answer never depends on which spelling
/// of an accented letter a client sent (and never differs between the engine's fast paths, which compare bytes, and
/// its general ones).
///
/// UTF-8 preserves code point order and is self-synchronising, so comparing, prefixing and searching UTF-8 bytes
/// decides exactly what comparing code points (or, for valid text, UTF-16 code units) decides.
extension StringProtocol {
    /// Whether the two texts are the same code points (Swift's `==` also equates canonically equivalent spellings).
    @inline(__always)
    public func hasSameCodePoints(as other: some StringProtocol) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }

    /// Whether every code point is ASCII. Then `==` against an ASCII literal (a `switch` case) is byte equality, which
    /// it is not for other text: `"targeting\u{212A}ey" == "targetingKey"` holds in Swift (KELVIN SIGN is
    /// canonically `K`), so a name is matched against well-known ASCII names only when it is ASCII itself.
    public var isAllASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }

    /// Whether the text begins with `prefix`'s code points (JavaScript's `startsWith`, Python's `startswith`).
    func hasCodePointPrefix(_ prefix: some StringProtocol) -> Bool {
        utf8.starts(with: prefix.utf8)
    }

    /// Whether the text ends with `suffix`'s code points (JavaScript's `endsWith`, Python's `endswith`).
    func hasCodePointSuffix(_ suffix: some StringProtocol) -> Bool {
        let count = suffix.utf8.count
        return utf8.count >= count && utf8.suffix(count).elementsEqual(suffix.utf8)
    }

    /// Whether `needle`'s code points occur in the text (JavaScript's `includes`/`indexOf`, Python's `in`). The empty
    /// text occurs in every text.
    func containsCodePoints(_ needle: some StringProtocol) -> Bool {
        containsCodePoints(CodePointPattern(needle))
    }

    /// Whether `pattern` occurs in the text: Knuth-Morris-Pratt over the bytes, time linear in the text whatever its
    /// content, so a long hostile context value costs no more than its length.
    func containsCodePoints(_ pattern: CodePointPattern) -> Bool {
        let bytes = pattern.bytes
        if bytes.isEmpty { return true }
        guard utf8.count >= bytes.count else { return false }
        var matched = 0
        for byte in utf8 {
            while matched > 0 && byte != bytes[matched] { matched = pattern.fallback[matched - 1] }
            if byte == bytes[matched] { matched += 1 }
            if matched == bytes.count { return true }
        }
        return false
    }

    /// The text in lower case as Python's `str.lower`, JavaScript's `toLowerCase` and Rust's `to_lowercase` write it:
    /// each code point's full lower-case mapping (`"İ"` becomes `"i̇"`), and a capital sigma at the end of a word as
    /// final sigma `ς` (Unicode's Final_Sigma condition), which Swift's `lowercased()` does not apply.
    func lowercasedAsUnicode() -> String {
        if utf8.allSatisfy({ $0 < 0x80 }) { return lowercased() }
        let scalars = Array(unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\u{3A3}", Self.isFinalSigma(at: index, in: scalars) {
                result.append("\u{3C2}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(result)
    }

    /// Unicode's Final_Sigma: a cased letter before (case-ignorable code points between) and none after.
    private static func isFinalSigma(at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return !(after < scalars.count && scalars[after].properties.isCased)
    }
}

/// A text to search for, prepared once: its UTF-8 and the Knuth-Morris-Pratt fallback table, so that a constant
/// (an Unleash `STR_CONTAINS` value) is not re-prepared at every evaluation.
struct CodePointPattern: Sendable, Hashable {
    let bytes: [UInt8]
    /// `fallback[i]`: the length of the longest proper prefix of `bytes[0...i]` that is also its suffix.
    let fallback: [Int]

    init(_ needle: some StringProtocol) {
        let bytes = Array(needle.utf8)
        var fallback = [Int](repeating: 0, count: bytes.count)
        var matched = 0
        for index in bytes.indices.dropFirst() {
            while matched > 0 && bytes[index] != bytes[matched] { matched = fallback[matched - 1] }
            if bytes[index] == bytes[matched] { matched += 1 }
            fallback[index] = matched
        }
        self.bytes = bytes
        self.fallback = fallback
    }
}

extension Dictionary where Key == String {
    /// The value under exactly `key`'s code points. A Swift dictionary also finds a canonically equivalent spelling
    /// (`"e\u{301}"` for `"\u{e9}"`), which a Python dict, a JavaScript object or a Go map never does.
    @inline(__always)
    public func value(forCodePoints key: String) -> Value? {
        guard let index = index(forKey: key) else { return nil }
        let entry = self[index]
        return entry.key.hasSameCodePoints(as: key) ? entry.value : nil
    }
}

/// Two names a `String`-keyed dictionary cannot hold apart: canonically equivalent spellings (`"\u{e9}"` and
/// `"e\u{301}"`) that Swift's `==` and hashing call one key, while flagd, Unleash and the seed read them as two.
///
/// Merging them would answer silently for the wrong one (the first spelling kept with the last value), so the
/// decoders of contexts and configuration refuse the input with this error instead.
public struct NormalizationTwins: Error, Sendable, Hashable, CustomStringConvertible {
    /// The spelling met first.
    public var first: String
    /// The other spelling.
    public var second: String

    public init(first: String, second: String) {
        self.first = first
        self.second = second
    }

    /// The twins `held` and `incoming` are, when `String` equality calls them one name; `nil` when they are the same
    /// code points (a plain repeat) or different names.
    public init?(held: String, incoming: String) {
        guard held == incoming, !held.hasSameCodePoints(as: incoming) else { return nil }
        self.init(first: held, second: incoming)
    }

    /// The two spellings in code point order: for names that come from a JSON object's members, which have no order,
    /// so that the message is the same whichever member was read first.
    public var inCodePointOrder: NormalizationTwins {
        first.utf8.lexicographicallyPrecedes(second.utf8) ? self : NormalizationTwins(first: second, second: first)
    }

    /// `'é' (U+00E9) and 'é' (U+0065 U+0301) are one name in two Unicode normalizations`.
    public var description: String {
        "'\(first)' (\(first.codePointNotation)) and '\(second)' (\(second.codePointNotation)) are one name in two Unicode normalizations"
    }
}

extension String {
    /// The code points as `U+0065 U+0301`, for messages about text that looks the same.
    public var codePointNotation: String {
        unicodeScalars.map { scalar in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }.joined(separator: " ")
    }
}

extension Dictionary where Key == String {
    /// `self[key] = value` (a key held with the same code points takes the new value, as a repeated JSON member does in
    /// Python, JavaScript and Go), except that a key `String` equality would merge with a differently spelt one already
    /// held is refused.
    /// One hash lookup for a new key; a repeated one costs a second, to compare the spellings. The dictionary is
    /// unchanged when it throws.
    public mutating func setValue(_ value: Value, forCodePoints key: String) throws(NormalizationTwins) {
        // `updateValue` keeps the key already held, so a twin leaves its own spelling to compare with.
        guard let previous = updateValue(value, forKey: key) else { return }
        let index = index(forKey: key)!
        if let twins = NormalizationTwins(held: self[index].key, incoming: key) {
            values[index] = previous
            throw twins
        }
    }
}

extension Sequence where Element == String {
    /// Whether one of the texts is `text`'s code points exactly (membership; ``containsCodePoints(_:)`` searches within
    /// one text).
    @inline(__always)
    func containsElement(withCodePointsOf text: String) -> Bool {
        contains { $0.hasSameCodePoints(as: text) }
    }
}

extension AttributeValue {
    /// Equality by code points all the way down: `==` equates canonically equivalent text (and so merges what a
    /// client sent as two values). Attributes have a value's shape, so they compare as values.
    public func isIdentical(to other: AttributeValue) -> Bool {
        FlagValue(self).isIdentical(to: FlagValue(other))
    }
}

extension FlagValue {
    /// Equality by code points all the way down (`==` equates canonically equivalent text).
    public func isIdentical(to other: FlagValue) -> Bool {
        switch (self, other) {
        case (.string(let text), .string(let otherText)):
            text.hasSameCodePoints(as: otherText)
        case (.list(let items), .list(let otherItems)):
            items.count == otherItems.count && zip(items, otherItems).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let members), .object(let otherMembers)):
            members.count == otherMembers.count
                && members.allSatisfy { name, value in
                    otherMembers.value(forCodePoints: name).map { value.isIdentical(to: $0) } ?? false
                }
        default:
            self == other
        }
    }
}
