import FlagConfig
public import Settings
public import FlagEngine

/// Which part of a population this replica evaluates: members `n` with `n % count == index`.
public struct PopulationShard: Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The whole population.
    public static let whole = PopulationShard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with `0 <= i < n`, as `--synthetic.shard` takes it.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 10_000,
            index >= 0, index < count
        else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// Parses `auto/n`: the shard count `n`, the index taken later from the pod's ordinal (``ordinal(ofPodName:)``).
    public static func autoCount(parsing text: String) -> Int? {
        guard text.hasPrefix("auto/"), let count = Int(text.dropFirst(5)), count >= 1, count <= 10_000 else { return nil }
        return count
    }

    /// A StatefulSet pod's ordinal: the number after the last `-` of its name (`featureflag-exporter-2` is 2).
    public static func ordinal(ofPodName name: String) -> Int? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let digits = name[name.index(after: dash)...]
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCII), let number = Int(digits) else { return nil }
        return number
    }

    /// `--synthetic.shard` as given: `i/n`, or `auto/n` with `i` the ordinal of `podName` (`$POD_NAME`, else the
    /// host name, which a StatefulSet pod's is). The error says what was wrong and what to do.
    public static func resolve(_ text: String, podName: String) -> Result<PopulationShard, ShardError> {
        if let shard = PopulationShard(parsing: text) { return .success(shard) }
        guard let count = autoCount(parsing: text) else {
            return .failure(ShardError(description: "--synthetic.shard '\(text)' is not i/n with 0 <= i < n, or auto/n"))
        }
        guard let ordinal = ordinal(ofPodName: podName) else {
            return .failure(ShardError(
                description: "--synthetic.shard auto/\(count): the pod name '\(podName)' does not end in -<ordinal> as a StatefulSet's pods do; set POD_NAME or give i/\(count)"))
        }
        guard ordinal < count else {
            return .failure(ShardError(
                description: "--synthetic.shard auto/\(count): pod '\(podName)' has ordinal \(ordinal), but there are only \(count) shards; make the StatefulSet's replicas and n agree"))
        }
        return .success(PopulationShard(index: ordinal, count: count))
    }

    /// How many members of a population of `size` this shard holds.
    public func memberCount(ofPopulation size: Int) -> Int {
        size > index ? (size - index + count - 1) / count : 0
    }
}

/// Why `--synthetic.shard` could not be resolved.
public struct ShardError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The modelled user population: member `n` always has the same id and attributes, so any replica, run or
/// `simulate` sees the same users.
public struct SyntheticPopulation: Sendable {
    public let settings: ExporterSettings.Population
    public let shard: PopulationShard
    private let idPrefix: String
    private let idSuffix: String
    private let userTypes: WeightedChoice?
    private let environments: WeightedChoice?
    private let customAttributes: [(name: String, choice: WeightedChoice)]

    public init(settings: ExporterSettings.Population, shard: PopulationShard = .whole) {
        self.settings = settings
        self.shard = shard
        let parts = settings.idPattern.split(separator: "{n}", maxSplits: 1, omittingEmptySubsequences: false)
        idPrefix = String(parts.first ?? "")
        idSuffix = parts.count > 1 ? String(parts[1]) : ""
        userTypes = WeightedChoice(settings.userTypes)
        environments = WeightedChoice(settings.environments)
        customAttributes = settings.customAttributes.compactMap { attribute in
            WeightedChoice(attribute.values).map { (attribute.name, $0) }
        }
    }

    /// Members in this shard.
    public var count: Int { shard.memberCount(ofPopulation: settings.size) }

    /// The population number of this shard's `position`-th member.
    public func memberNumber(at position: Int) -> Int { shard.index + position * shard.count }

    /// Fills `context` with member `number`'s id and attributes; reuses the context's storage.
    public func fill(_ context: inout EvaluationContext, member number: Int) {
        context.userID = idPrefix + String(number) + idSuffix
        context.userType = userTypes?.pick(number, salt: 0x7573_6572_7479_7065)
        context.environment = environments?.pick(number, salt: 0x656e_7669_726f_6e6d)
        for (offset, attribute) in customAttributes.enumerated() {
            context.customAttributes[attribute.name] = attribute.choice.pickValue(number, salt: 0x6375_7374 &+ UInt64(offset))
        }
    }

    /// Member `number` as a new context.
    public func context(member number: Int) -> EvaluationContext {
        var context = EvaluationContext()
        fill(&context, member: number)
        return context
    }
}

/// A weighted choice made from a member number alone (SplitMix64 of the number and a per-attribute salt).
struct WeightedChoice: Sendable {
    let values: [AttributeValue]
    let cumulative: [Double]

    init?(_ weighted: [ExporterSettings.WeightedValue]) {
        let total = weighted.reduce(0) { $0 + $1.weight }
        guard !weighted.isEmpty, total > 0 else { return nil }
        values = weighted.map(\.value)
        var running = 0.0
        cumulative = weighted.map { value in
            running += value.weight
            return running / total
        }
    }

    func pickValue(_ number: Int, salt: UInt64) -> AttributeValue {
        let unit = Double(Self.splitMix(UInt64(truncatingIfNeeded: number) ^ salt) >> 11) / 9_007_199_254_740_992.0
        for (index, bound) in cumulative.enumerated() where unit < bound { return values[index] }
        return values[values.count - 1]
    }

    func pick(_ number: Int, salt: UInt64) -> String? {
        if case .string(let text) = pickValue(number, salt: salt) { return text }
        return nil
    }

    static func splitMix(_ seed: UInt64) -> UInt64 {
        var value = seed &+ 0x9E37_79B9_7F4A_7C15
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
