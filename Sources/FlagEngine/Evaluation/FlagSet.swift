/// An immutable, compiled set of flags: the unit that is evaluated, swapped and reported.
///
/// Building one validates every cross-reference (variants, dependencies, cycles) and compiles rules and rollouts.
/// Evaluation never locks and never allocates shared state, so one `FlagSet` can serve any number of threads.
public struct FlagSet: Sendable {
    /// The flag definitions in file order; ``EvaluationOutcome/flagIndex`` indexes this.
    public var definitions: [FlagDefinition] { storage.definitions }
    /// The `global:` settings in force.
    public var settings: GlobalSettings { storage.settings }
    /// Version, checksum, environment and source of the configuration.
    public var info: FlagSetInfo { storage.info }

    let storage: FlagSetStorage

    /// The empty set: every key is `FLAG_NOT_FOUND`.
    public static let empty = try! FlagSet(flags: [])

    /// Validates and compiles `flags`. Sets of 1,024 flags or more are compiled in two halves on two threads
    /// (`DispatchQueue.concurrentPerform`; the calling thread takes one half), with the same result as one pass.
    ///
    /// - Throws: ``FlagSetValidationError`` listing every problem with its document path: bad keys, duplicate keys,
    ///   unknown variants, percentages outside 0...100, bad split weights, gradual schedules that end before they
    ///   start, unknown dependencies and dependency cycles.
    public init(
        flags: [FlagDefinition],
        settings: GlobalSettings = GlobalSettings(),
        info: FlagSetInfo = FlagSetInfo()
    ) throws(FlagSetValidationError) {
        self.storage = try FlagSetCompiler.compile(flags, settings: settings, info: info)
    }

    /// A set over tables compiled already.
    init(storage: FlagSetStorage) {
        self.storage = storage
    }

    /// The number of flags.
    public var count: Int { storage.definitions.count }

    /// The index of `key` in ``definitions``, or `nil` when the set has no such flag.
    public func index(of key: String) -> Int? { storage.index(of: key) }

    /// The definition of `key`, if present.
    public func definition(_ key: String) -> FlagDefinition? {
        index(of: key).map { storage.definitions[$0] }
    }

    /// The effective rollout percentage (0...100) of flag `index` at `time`: 0 disabled, 100 enabled, the rollout's
    /// percentage (gradual: now) for percentage and gradual rollouts, and for user lists and splits 100 (every
    /// context with an id is served by the rollout).
    public func effectivePercentage(ofFlagAt index: Int, at time: Double) -> Double {
        let flag = storage.flags[index]
        switch flag.state {
        case .disabled: return 0
        case .enabled: return 100
        case .rollout:
            switch flag.rolloutKind {
            case .none: return 0
            case .percentage: return flag.fraction * 100
            case .gradual: return storage.extras.gradualSchedules[Int(flag.extraIndex)].percentage(at: time)
            case .userList, .split: return 100
            }
        }
    }

    private static let keyPattern: (first: Set<UInt8>, rest: Set<UInt8>) = {
        let letters = Array(UInt8(ascii: "a")...UInt8(ascii: "z")) + Array(UInt8(ascii: "A")...UInt8(ascii: "Z"))
        let digits = Array(UInt8(ascii: "0")...UInt8(ascii: "9"))
        let first = Set(letters + [UInt8(ascii: "_")])
        return (first, first.union(digits).union([UInt8(ascii: "."), UInt8(ascii: "-")]))
    }()

    /// Whether `key` is a valid flag key: `[A-Za-z_][A-Za-z0-9_.-]{0,127}`.
    public static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard let first = bytes.first, bytes.count <= 128, keyPattern.first.contains(first) else { return false }
        return bytes.dropFirst().allSatisfy { keyPattern.rest.contains($0) }
    }
}
