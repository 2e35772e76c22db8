#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which context attribute a rollout buckets by: a well-known field, or the custom attribute whose name is
/// ``CompiledExtras/customBucketNames`` at the flag's `customBucketIndex`.
enum BucketField: Sendable, Equatable, BitwiseCopyable {
    case wellKnown(WellKnownField)
    case custom

    init(_ name: String?) {
        guard let name else {
            self = .wellKnown(.userID)
            return
        }
        self = WellKnownField(name: name).map(BucketField.wellKnown) ?? .custom
    }
}

/// The kind of rollout step; its data (if any) lives in ``CompiledExtras`` at the flag's `extraIndex`.
enum RolloutKind: UInt8, Sendable {
    case none
    /// Hit iff bucket < `fraction` (percentage / 100, computed once as the seed did).
    case percentage
    case userList
    case gradual
    case split
}

/// A targeting rule resolved to indices, as a plain record.
///
/// The most common rule, a well-known field compared with a string literal (`user_type == 'admin'`), is compiled to
/// a byte comparison against the literal in the flat byte buffer; any other condition runs the interpreter on
/// ``FlagSetStorage/conditions`` at `conditionIndex`.
struct CompiledRule: Sendable, Equatable, BitwiseCopyable {
    enum Kind: UInt8 {
        case general
        case fieldEquals
        case fieldNotEquals
    }

    var kind: Kind
    var field: WellKnownField
    var literalStart: Int32
    var literalCount: Int32
    var conditionIndex: Int32
    var variantIndex: Int32
    /// Position in the definition's `targetingRules`.
    var ruleIndex: Int32
}

/// The four context fields that are strings by construction; the one place their names are mapped.
enum WellKnownField: UInt8, Sendable, BitwiseCopyable {
    case userID
    case userType
    case environment
    case requestID

    /// The field a condition or `bucket_by` names, if it is one of the four.
    init?(name: String) {
        switch name {
        case "user_id": self = .userID
        case "user_type": self = .userType
        case "environment": self = .environment
        case "request_id": self = .requestID
        default: return nil
        }
    }

    func read(from context: EvaluationContext) -> String? {
        switch self {
        case .userID: context.userID
        case .userType: context.userType
        case .environment: context.environment
        case .requestID: context.requestID
        }
    }
}

/// Everything evaluation needs for one flag, as a plain record with no references: copying it costs nothing and two
/// cores reading the same flag never touch a shared reference count. Variable-length parts are ranges into the
/// flat buffers of ``FlagSet/Storage``.
struct CompiledFlag: Sendable, Equatable, BitwiseCopyable {
    var state: FlagState
    var rolloutKind: RolloutKind
    var bucketField: BucketField
    var sticky: Bool
    var defaultIndex: Int32
    var enabledIndex: Int32
    /// Where this flag's variants start in the flat variant tables.
    var variantStart: Int32
    var rulesStart: Int32
    var rulesCount: Int32
    var prerequisitesStart: Int32
    var prerequisitesCount: Int32
    /// `"<key>:"` in the flat key-byte buffer (the bucket-hash prefix; the key is this minus the colon).
    var prefixStart: Int32
    var prefixCount: Int32
    /// Index into the extras table of this flag's rollout kind (user list, gradual, split, custom bucket name).
    var extraIndex: Int32
    var customBucketIndex: Int32
    var fraction: Double
}

/// The rollout data that is not a plain number, kept out of the hot record.
struct CompiledExtras: Sendable {
    var userLists: [UserList] = []
    var gradualSchedules: [GradualSchedule] = []
    /// Each split's range in the two flat tables below.
    var splits: [Range<Int32>] = []
    /// Cumulative shares of every split, in file order.
    var splitCumulative: [Double] = []
    /// The variant index of each entry of ``splitCumulative``.
    var splitVariantIndices: [Int32] = []
    var customBucketNames: [String] = []
    /// Per flag: the depth of its prerequisite chain (0 without prerequisites), from ``DependencyGraph``.
    var dependencyDepth: [Int32] = []
    /// Per flag: how many flags it depends on, directly and indirectly, from ``DependencyGraph``.
    var prerequisiteReach: [Int32] = []
}

/// A `user_list` rollout's ids, sorted by their UTF-8 bytes and searched by bisection.
///
/// Membership is byte equality, as the seed's Python `user_id in user_list` was: a precomposed `é` and an `e` with a
/// combining accent are different users (Swift's `Set<String>` would call them equal). A sorted array also holds
/// about half the memory of a set.
struct UserList: Sendable {
    /// The ids' UTF-8 back to back, in byte order; id `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let bytes: [UInt8]
    private let starts: [Int]

    init(_ ids: [String]) {
        let sorted = ids.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        bytes = Array(sorted.joined())
        var starts = [0]
        starts.reserveCapacity(sorted.count + 1)
        for id in sorted { starts.append(starts[starts.count - 1] + id.count) }
        self.starts = starts
    }

    func contains(_ id: String) -> Bool {
        // A native or small string lends its UTF-8 in place; anything else is copied once.
        id.utf8.withContiguousStorageIfAvailable { contains(UnsafeRawBufferPointer($0)) }
            ?? Array(id.utf8).withUnsafeBytes { contains($0) }
    }

    /// Bisection by `memcmp`, the shorter id first on a common prefix (the order `init` sorted in).
    private func contains(_ id: UnsafeRawBufferPointer) -> Bool {
        bytes.withUnsafeBytes { all in
            var low = 0
            var high = starts.count - 1
            while low < high {
                let middle = (low + high) / 2
                let order = Self.compare(UnsafeRawBufferPointer(rebasing: all[starts[middle]..<starts[middle + 1]]), id)
                if order == 0 { return true }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return false
        }
    }

    private static func compare(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Int {
        let common = min(left.count, right.count)
        if common > 0 {
            let order = memcmp(left.baseAddress!, right.baseAddress!, common)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }
}
