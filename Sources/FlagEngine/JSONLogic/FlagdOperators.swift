/// flagd's own JSON Logic operators, as flagd's documentation defines them.
enum FlagdOperators {
    /// `fractional`: `[bucketBy?, [variant, weight], ...]`.
    ///
    /// The hashed text is the first argument when it evaluates to text (usually `cat($flagd.flagKey, var)`), else the
    /// flag key followed by the targeting key; `bucket = (UInt64(murmur3_x86_32(text)) * totalWeight) >> 32`, and the
    /// variant is the first whose running total of integer weights exceeds the bucket. A bucket without a weight
    /// weighs 1. Null when there is nothing to hash, no bucket, or a weight that is not a whole number ≥ 0.
    static func fractional(_ arguments: [LogicExpression], _ scope: LogicScope) -> FlagValue {
        guard let first = arguments.first else { return .null }
        var buckets = arguments[...]
        let hash: UInt32
        let firstValue = first.evaluate(scope)
        if case .string(let text) = firstValue {
            hash = Murmur3.hash32(text)
            buckets = arguments.dropFirst()
        } else {
            guard let targetingKey = scope.targetingKey else { return .null }
            hash = Murmur3.hash32(joining: scope.flagKey, "", targetingKey)
        }
        var variants: [(name: FlagValue, weight: UInt64)] = []
        var total: UInt64 = 0
        for bucket in buckets {
            guard case .list(let pair) = bucket.evaluate(scope), let name = pair.first, pair.count <= 2 else { return .null }
            var weight: UInt64 = 1
            if pair.count == 2 {
                let number = pair[1].number
                guard number.isFinite, number >= 0, number == number.rounded(), number < 4_294_967_296 else { return .null }
                weight = UInt64(number)
            }
            variants.append((name, weight))
            total += weight
        }
        guard total > 0 else { return .null }
        let bucket = (UInt64(hash) &* total) >> 32
        var running: UInt64 = 0
        for variant in variants {
            running += variant.weight
            if bucket < running { return variant.name }
        }
        return .null
    }

    /// `sem_ver`: `[version, operator, version]` with `=`, `!=`, `<`, `<=`, `>`, `>=`, `^` (same major) and `~`
    /// (same major and minor); a leading `v` is allowed. False when either side is not a semantic version.
    static func semVer(_ left: FlagValue, _ operation: FlagValue, _ right: FlagValue) -> FlagValue {
        guard let a = SemanticVersion(left.text), let b = SemanticVersion(right.text) else { return .bool(false) }
        switch operation.text {
        case "=": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "<": return .bool(a < b)
        case "<=": return .bool(a <= b)
        case ">": return .bool(a > b)
        case ">=": return .bool(a >= b)
        case "^": return .bool(a.major == b.major)
        case "~": return .bool(a.major == b.major && a.minor == b.minor)
        default: return .bool(false)
        }
    }
}

/// A semantic version (semver.org 2.0): precedence by major, minor, patch, then pre-release identifiers; build
/// metadata is ignored.
public struct SemanticVersion: Sendable, Hashable, Comparable {
    public var major: UInt64
    public var minor: UInt64
    public var patch: UInt64
    public var preRelease: [String]

    /// Parses `1.2.3`, `v1.2.3-rc.1+build`; a missing minor or patch is 0 (`v1`, `1.2`), as flagd's parser allows.
    public init?(_ text: String) {
        var rest = Substring(text)
        if rest.first == "v" || rest.first == "V" { rest = rest.dropFirst() }
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }
        var core = rest
        preRelease = []
        if let dash = rest.firstIndex(of: "-") {
            core = rest[..<dash]
            preRelease = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard preRelease.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else { return nil }
        }
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(numbers.count), numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }) else { return nil }
        let parsed = numbers.compactMap { UInt64($0) }
        guard parsed.count == numbers.count else { return nil }
        major = parsed[0]
        minor = parsed.count > 1 ? parsed[1] : 0
        patch = parsed.count > 2 ? parsed[2] : 0
    }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        // A version with a pre-release precedes the same version without one.
        if a.preRelease.isEmpty || b.preRelease.isEmpty { return !a.preRelease.isEmpty && b.preRelease.isEmpty }
        for (x, y) in zip(a.preRelease, b.preRelease) where x != y {
            switch (UInt64(x), UInt64(y)) {
            case (let p?, let q?): return p < q
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
        }
        return a.preRelease.count < b.preRelease.count
    }
}
