/// flagd's own JSON Logic operators, as flagd's documentation defines them.
enum FlagdOperators {
    /// `fractional`: `[bucketBy?, [variant, weight], ...]`.
    ///
    /// The hashed text is the first argument when it evaluates to text (usually `cat($flagd.flagKey, var)`), else the
    /// flag key followed by the targeting key; `bucket = (UInt64(murmur3_x86_32(text)) * totalWeight) >> 32`, and the
    /// variant is the first whose running total of integer weights exceeds the bucket. A bucket without a weight
    /// weighs 1, a negative weight 0. Nothing to hash, a bucket that is not a list, a weight that is not a whole
    /// number, or no weight at all is an error (the flag's default variant), as in flagd since
    /// open-feature/flagd#1874.
    static func fractional(_ arguments: [LogicExpression], _ scope: LogicScope) throws(LogicEvaluationError) -> FlagValue {
        guard let first = arguments.first else { throw LogicEvaluationError("'fractional' has no buckets") }
        var buckets = arguments[...]
        let hash: UInt32
        if case .string(let text) = try first.evaluate(scope) {
            hash = Murmur3.hash32(text)
            buckets = arguments.dropFirst()
        } else {
            guard let targetingKey = scope.targetingKey else {
                throw LogicEvaluationError("'fractional' has nothing to bucket by: no text first and no targeting key")
            }
            hash = Murmur3.hash32(joining: scope.flagKey, "", targetingKey)
        }
        var variants: [(name: FlagValue, weight: UInt64)] = []
        var total: UInt64 = 0
        for bucket in buckets {
            guard case .list(let pair) = try bucket.evaluate(scope), let name = pair.first, pair.count <= 2 else {
                throw LogicEvaluationError("'fractional' buckets are [variant, weight] lists")
            }
            var weight: UInt64 = 1
            if pair.count == 2 {
                let number = pair[1].number
                guard number.isFinite, number == number.rounded(), number < 4_294_967_296 else {
                    throw LogicEvaluationError("'fractional' weights are whole numbers")
                }
                weight = number < 0 ? 0 : UInt64(number)
            }
            variants.append((name, weight))
            total += weight
        }
        guard total > 0 else { throw LogicEvaluationError("'fractional' has no weight") }
        let bucket = (UInt64(hash) &* total) >> 32
        var running: UInt64 = 0
        for variant in variants {
            running += variant.weight
            if bucket < running { return variant.name }
        }
        return .null
    }

    /// `sem_ver`: `[version, operator, version]` with `=`, `!=`, `<`, `<=`, `>`, `>=`, `^` (same major) and `~`
    /// (same major and minor); a leading `v` is allowed. Either side not a semantic version, or another operator, is
    /// an error (the flag's default variant), as in flagd since open-feature/flagd#1873.
    static func semVer(_ left: FlagValue, _ operation: FlagValue, _ right: FlagValue) throws(LogicEvaluationError) -> FlagValue {
        guard let a = SemanticVersion(left.text), let b = SemanticVersion(right.text) else {
            throw LogicEvaluationError("'sem_ver' compares semantic versions; '\(left.text)' or '\(right.text)' is not one")
        }
        switch operation.text {
        case "=": return .bool(a == b)
        case "!=": return .bool(a != b)
        case "<": return .bool(a < b)
        case "<=": return .bool(a <= b)
        case ">": return .bool(a > b)
        case ">=": return .bool(a >= b)
        case "^": return .bool(a.major == b.major)
        case "~": return .bool(a.major == b.major && a.minor == b.minor)
        default: throw LogicEvaluationError("'sem_ver' has no operator '\(operation.text)'")
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
