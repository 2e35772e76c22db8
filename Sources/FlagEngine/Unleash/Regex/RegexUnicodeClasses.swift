/// RE2's Unicode classes by general category: `\pL`, `\p{Lu}`, `\PN`, `\p{^Greek}`-style negation, and `\p{Any}`.
///
/// The categories come from the Unicode tables of the Swift runtime (`Unicode.Scalar.Properties.generalCategory`), so
/// a scalar assigned in a newer Unicode version than RE2's or Rust's tables may be classed differently; every scalar
/// assigned for years is classed the same. Script classes (`\p{Greek}`, `\p{Han}`) are not known here: a pattern
/// with one is refused, as RE2 refuses an unknown class name, and the constraint is false (with a `check` warning).
extension RegexSet {
    /// The class `name` (without braces or `^`) stands for, or nil when it is not a general category or `Any`.
    static func unicodeClass(named name: String) -> RegexSet? {
        if name == "Any" { return RegexSet(ranges: [0...0x10FFFF]) }
        guard let categories = categoryGroups[name] else { return nil }
        return RegexSet(ranges: categories.flatMap { generalCategoryRanges[$0] ?? [] })
    }

    /// The general categories each RE2 class name covers: a letter names its whole group (`L`: `Lu Ll Lt Lm Lo`;
    /// RE2's `C` is `Cc Cf Co Cs`, without unassigned code points), two letters name one category.
    private static let categoryGroups: [String: [Unicode.GeneralCategory]] = {
        let named: [(String, Unicode.GeneralCategory)] = [
            ("Lu", .uppercaseLetter), ("Ll", .lowercaseLetter), ("Lt", .titlecaseLetter), ("Lm", .modifierLetter),
            ("Lo", .otherLetter), ("Mn", .nonspacingMark), ("Mc", .spacingMark), ("Me", .enclosingMark),
            ("Nd", .decimalNumber), ("Nl", .letterNumber), ("No", .otherNumber), ("Pc", .connectorPunctuation),
            ("Pd", .dashPunctuation), ("Ps", .openPunctuation), ("Pe", .closePunctuation),
            ("Pi", .initialPunctuation), ("Pf", .finalPunctuation), ("Po", .otherPunctuation), ("Sm", .mathSymbol),
            ("Sc", .currencySymbol), ("Sk", .modifierSymbol), ("So", .otherSymbol), ("Zs", .spaceSeparator),
            ("Zl", .lineSeparator), ("Zp", .paragraphSeparator), ("Cc", .control), ("Cf", .format),
            ("Co", .privateUse), ("Cs", .surrogate),
        ]
        var groups: [String: [Unicode.GeneralCategory]] = [:]
        for (name, category) in named {
            groups[name] = [category]
            groups[String(name.prefix(1)), default: []].append(category)
        }
        return groups
    }()

    /// Every scalar's general category as ranges, computed once (a pass over the code space, on the first pattern that
    /// uses a Unicode class). Surrogates, which are not scalars, are `Cs`.
    private static let generalCategoryRanges: [Unicode.GeneralCategory: [ClosedRange<UInt32>]] = {
        var ranges: [Unicode.GeneralCategory: [ClosedRange<UInt32>]] = [.surrogate: [0xD800...0xDFFF]]
        var start: UInt32 = 0
        var current: Unicode.GeneralCategory?
        func close(before end: UInt32) {
            if let category = current, end > start { ranges[category, default: []].append(start...(end - 1)) }
        }
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else {
                close(before: value)
                current = nil
                continue
            }
            let category = scalar.properties.generalCategory
            if category != current {
                close(before: value)
                current = category
                start = value
            }
        }
        close(before: 0x110000)
        return ranges
    }()
}
