/// The flagd plans of the most common shape, flattened into plain records (no references, so evaluating them never
/// touches a reference count): `if` branches comparing a well-known context field with a text literal, each naming a
/// variant, ending in a variant or a `fractional` split hashed by flag key and targeting key (written either way:
/// no bucketing expression, or `cat($flagd.flagKey, targetingKey)`).
///
/// Any context the records cannot decide exactly (a well-known field that is not set, which the interpreter would
/// then look up among the attributes; no targeting key for the split) is handed back to ``FlagdEngine``'s general
/// path, so the answer is always flagd's.
///
/// `@unchecked Sendable`: the buffers are filled in `init`, never written again and freed in `deinit`, as
/// ``FlagSetStorage``'s are; immutable memory is safe to read from any thread.
struct FlagdFastPath: ~Copyable, @unchecked Sendable {
    struct Flag: BitwiseCopyable {
        /// Whether this flag has a fast plan at all.
        var usable: Bool
        var branchStart: Int32
        var branchCount: Int32
        /// What the chain ends with: a variant index, -1 for null or an unknown name, -2 for the split.
        var otherwise: Int32
        var splitStart: Int32
        var splitCount: Int32
        var total: UInt64
        /// The hash's state after the flag key (the split hashes the key, then the targeting key).
        var keyHash: Murmur3.Prefix
        /// The variant served when nothing else applies.
        var defaultIndex: Int32
    }

    struct Branch: BitwiseCopyable {
        var field: Field
        var literalStart: Int32
        var literalCount: Int32
        /// A variant index, -1 for null or an unknown name, -2 for the split.
        var leaf: Int32
    }

    enum Field: UInt8, BitwiseCopyable {
        case targetingKey, userType, environment, requestID

        init?(_ field: FlagdField) {
            switch field {
            case .targetingKey: self = .targetingKey
            case .userType: self = .userType
            case .environment: self = .environment
            case .requestID: self = .requestID
            case .attribute: return nil
            }
        }

        @inline(__always)
        func read(_ context: EvaluationContext) -> String? {
            switch self {
            case .targetingKey: context.userID
            case .userType: context.userType
            case .environment: context.environment
            case .requestID: context.requestID
            }
        }
    }

    let flags: UnsafeMutableBufferPointer<Flag>
    let branches: UnsafeMutableBufferPointer<Branch>
    let cumulative: UnsafeMutableBufferPointer<UInt64>
    let splitVariants: UnsafeMutableBufferPointer<Int32>
    let bytes: UnsafeMutableBufferPointer<UInt8>

    init(_ sources: [(key: String, plan: FlagdPlan, isEnabled: Bool, defaultIndex: Int32)]) {
        var flags: [Flag] = []
        var branches: [Branch] = []
        var cumulative: [UInt64] = []
        var splitVariants: [Int32] = []
        var bytes: [UInt8] = []
        for source in sources {
            var flag = Flag(usable: false, branchStart: Int32(branches.count), branchCount: 0, otherwise: -1, splitStart: 0,
                            splitCount: 0, total: 0, keyHash: Murmur3.Prefix(source.key.utf8),
                            defaultIndex: source.defaultIndex)
            if source.isEnabled, let shape = Self.shape(source.plan) {
                flag.usable = true
                for (field, literal, leaf) in shape.branches {
                    branches.append(Branch(field: field, literalStart: Int32(bytes.count), literalCount: Int32(literal.utf8.count), leaf: leaf))
                    bytes += Array(literal.utf8)
                }
                flag.branchCount = Int32(shape.branches.count)
                flag.otherwise = shape.otherwise
                if let split = shape.split {
                    flag.splitStart = Int32(cumulative.count)
                    flag.splitCount = Int32(split.cumulative.count)
                    flag.total = split.total
                    cumulative += split.cumulative
                    splitVariants += split.variantIndices
                }
            }
            flags.append(flag)
        }
        self.flags = flatBuffer(flags)
        self.branches = flatBuffer(branches)
        self.cumulative = flatBuffer(cumulative)
        self.splitVariants = flatBuffer(splitVariants)
        self.bytes = flatBuffer(bytes)
    }

    deinit {
        flags.deallocate()
        branches.deallocate()
        cumulative.deallocate()
        splitVariants.deallocate()
        bytes.deallocate()
    }

    /// The plan as records, when every part of it has a record form.
    private static func shape(_ plan: FlagdPlan) -> (branches: [(Field, String, Int32)], otherwise: Int32, split: FlagdFractional?)? {
        guard case .branches(let branches, let otherwise) = plan else { return nil }
        var split: FlagdFractional?
        func leaf(_ leaf: FlagdLeaf) -> Int32? {
            switch leaf {
            case .variant(let index): return index
            case .fractional(let fractional):
                guard fractional.hashesFlagKeyAndTargetingKey, split == nil else { return nil }
                split = fractional
                return -2
            }
        }
        var records: [(Field, String, Int32)] = []
        for branch in branches {
            guard case .fieldEquals(let field, let literal, _) = branch.condition, let fast = Field(field),
                let index = leaf(branch.leaf)
            else { return nil }
            records.append((fast, literal, index))
        }
        guard let end = leaf(otherwise) else { return nil }
        return (records, end, split)
    }


    /// Decides flag `index` into `outcome` (which starts at the default variant, `DEFAULT`); false when the general
    /// path must decide (see the type's note).
    @inline(__always)
    func evaluate(_ index: Int, _ context: EvaluationContext, into outcome: inout EvaluationOutcome) -> Bool {
        let flag = flags[index]
        guard flag.usable else { return false }
        var leaf = flag.otherwise
        var position = Int(flag.branchStart)
        let end = position + Int(flag.branchCount)
        while position < end {
            let branch = branches[position]
            guard let value = branch.field.read(context) else { return false }
            let literal = UnsafeBufferPointer(rebasing: bytes[Int(branch.literalStart)..<Int(branch.literalStart + branch.literalCount)])
            if utf8Equal(value, literal) {
                leaf = branch.leaf
                break
            }
            position += 1
        }
        if leaf >= 0 {
            outcome.variantIndex = Int(leaf)
            outcome.reason = .targetingMatch
            return true
        }
        if leaf == -1 { return true }
        guard let targetingKey = context.userID else { return false }
        let hash = flag.keyHash.hash(targetingKey)
        let bucket = (UInt64(hash) &* flag.total) >> 32
        var slot = Int(flag.splitStart)
        let last = slot + Int(flag.splitCount) - 1
        while slot < last && bucket >= cumulative[slot] { slot += 1 }
        let variant = splitVariants[slot]
        guard variant >= 0 else { return true }
        outcome.variantIndex = Int(variant)
        outcome.reason = .split
        outcome.rolloutOutcome = .hit
        outcome.bucket = Double(hash) / 4_294_967_296.0
        return true
    }
}

extension FlagdFractional {
    /// Whether the split hashes the flag key followed by the targeting key: no bucketing expression, or
    /// `cat($flagd.flagKey, targetingKey)`, which is the same text whenever there is a targeting key.
    var hashesFlagKeyAndTargetingKey: Bool {
        switch bucketBy {
        case .flagKeyAndTargetingKey: return true
        case .expression(.operation(.cat, let parts)):
            guard parts.count == 2, case .variable(let flagKey, nil) = parts[0], case .variable(let targetingKey, nil) = parts[1]
            else { return false }
            return flagKey.count == 2 && flagKey[0].hasSameCodePoints(as: "$flagd") && flagKey[1].hasSameCodePoints(as: "flagKey")
                && targetingKey.count == 1 && targetingKey[0].hasSameCodePoints(as: "targetingKey")
        case .expression: return false
        }
    }
}
