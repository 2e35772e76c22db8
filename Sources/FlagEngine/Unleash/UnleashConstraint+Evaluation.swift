extension UnleashConstraint {
    /// Whether the constraint holds for `context` at `now`, as the Unleash SDKs decide it: a missing context value
    /// fails every operator but `NOT_IN`; values that do not parse as numbers, dates or versions fail; `inverted`
    /// negates the outcome; an unknown operator is false.
    public func holds(for context: UnleashContext, now: Double) -> Bool {
        guard let operation else { return false }
        // currentTime is a number already: dates compare with it directly, not through its RFC 3339 text.
        if contextName == "currentTime", operation == .dateAfter || operation == .dateBefore {
            guard let limit = value.flatMap(RFC3339Time.parse) else { return inverted }
            let time = context.currentTime ?? now
            let result = operation == .dateAfter ? time > limit : time < limit
            return inverted ? !result : result
        }
        let result = evaluate(operation, context.field(contextName, now: now))
        return inverted ? !result : result
    }

    private func evaluate(_ operation: Operator, _ contextValue: String?) -> Bool {
        switch operation {
        // Text compares code point by code point, as the SDKs compare it (never by Swift's canonical equivalence);
        // `caseInsensitive` compares both sides in lower case as JavaScript's toLowerCase() writes it.
        case .in, .notIn:
            let found = contextValue.map { comparedValues.containsElement(withCodePointsOf: comparedText($0)) } ?? false
            return operation == .in ? found : !found
        case .stringContains:
            // `init` prepares the patterns for every STR_CONTAINS constraint.
            guard let contextValue, case .patterns(let patterns) = prepared else { return false }
            let text = comparedText(contextValue)
            return patterns.contains { text.containsCodePoints($0) }
        case .stringStartsWith, .stringEndsWith:
            guard let contextValue else { return false }
            let text = comparedText(contextValue)
            return comparedValues.contains { candidate in
                operation == .stringStartsWith ? text.hasCodePointPrefix(candidate) : text.hasCodePointSuffix(candidate)
            }
        case .numberEqual, .numberGreater, .numberGreaterOrEqual, .numberLess, .numberLessOrEqual:
            guard let text = contextValue, let left = Double(text.trimmingJavaScriptSpace()),
                  let right = value.flatMap({ Double($0.trimmingJavaScriptSpace()) }), left.isFinite, right.isFinite
            else { return false }
            switch operation {
            case .numberEqual: return left == right
            case .numberGreater: return left > right
            case .numberGreaterOrEqual: return left >= right
            case .numberLess: return left < right
            default: return left <= right
            }
        case .dateAfter, .dateBefore:
            guard let text = contextValue, let left = RFC3339Time.parse(text), let right = value.flatMap(RFC3339Time.parse)
            else { return false }
            return operation == .dateAfter ? left > right : left < right
        case .semVerEqual, .semVerGreater, .semVerGreaterOrEqual, .semVerLess, .semVerLessOrEqual:
            guard let text = contextValue, let left = Self.strictVersion(text), let right = value.flatMap(Self.strictVersion)
            else { return false }
            switch operation {
            case .semVerEqual: return left == right
            case .semVerGreater: return left > right
            case .semVerGreaterOrEqual: return left >= right
            case .semVerLess: return left < right
            default: return left <= right
            }
        case .inCIDR:
            // Values that are not an address or a range are skipped; a value that is not an address matches none.
            guard let text = contextValue, case .ranges(let ranges) = prepared else { return false }
            return ranges.contains { $0.contains(text) }
        case .regex:
            // An invalid pattern matches nothing, as the SDKs treat it (`check` warns about it).
            guard let text = contextValue, case .success(let regex)? = regex else { return false }
            return regex.matches(text)
        }
    }

    /// The values text operators compare with: in lower case with `caseInsensitive`.
    private var comparedValues: [String] {
        if case .lowercased(let folded) = prepared { folded } else { values }
    }

    /// The context's text as text operators compare it.
    private func comparedText(_ text: String) -> String {
        caseInsensitive ? text.lowercasedAsUnicode() : text
    }

    /// A version exactly as semver.org 2.0's grammar has it, as the client specification's SDKs take it (the Rust
    /// `semver` crate of Unleash's engine): `major.minor.patch`, numbers without leading zeros, then an optional
    /// `-pre.release` (identifiers of `[0-9A-Za-z-]`, numeric ones without leading zeros) and `+build` (ignored in
    /// comparisons). No leading `v`, no spaces, no missing parts: anything else is not a version, and the
    /// constraint fails.
    static func strictVersion(_ text: String) -> SemanticVersion? {
        let bytes = Array(text.utf8)
        let plus = bytes.firstIndex(of: UInt8(ascii: "+"))
        let beforeBuild = bytes[..<(plus ?? bytes.endIndex)]
        let dash = beforeBuild.firstIndex(of: UInt8(ascii: "-"))
        let core = beforeBuild[..<(dash ?? beforeBuild.endIndex)]
        let numbers = core.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(isNumericIdentifier) else { return nil }
        if let dash {
            let identifiers = beforeBuild[(dash + 1)...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard identifiers.allSatisfy({ isIdentifier($0) && (!$0.allSatisfy(isDigit) || isNumericIdentifier($0)) })
            else { return nil }
        }
        if let plus {
            let identifiers = bytes[(plus + 1)...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard identifiers.allSatisfy(isIdentifier) else { return nil }
        }
        return SemanticVersion(text)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Digits, without a leading zero unless it is the only one.
    private static func isNumericIdentifier(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isDigit) && (bytes.count == 1 || bytes.first != UInt8(ascii: "0"))
    }

    /// One or more of `[0-9A-Za-z-]`.
    private static func isIdentifier(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { byte in
            isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "-")
        }
    }
}
