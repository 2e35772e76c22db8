/// How a `rollout` flag decides who gets the enabled variant.
public struct Rollout: Sendable {
    public var strategy: RolloutStrategy
    /// Which variant a hit gets; default `on`, else the first non-default variant.
    public var variant: String?
    /// Overrides `global.sticky_bucketing`; non-sticky buckets are drawn at random per evaluation.
    public var sticky: Bool?
    /// The context attribute used for bucketing; default `user_id`.
    public var bucketBy: String?

    public init(strategy: RolloutStrategy, variant: String? = nil, sticky: Bool? = nil, bucketBy: String? = nil) {
        self.strategy = strategy
        self.variant = variant
        self.sticky = sticky
        self.bucketBy = bucketBy
    }
}

/// The rollout strategies of docs/configuration.md, "Evaluation".
public enum RolloutStrategy: Sendable {
    /// Hit iff bucket < percentage / 100.
    case percentage(Double)
    /// Hit iff the bucketing id is in the list (exact match).
    case userList([String])
    /// A percentage that moves with time.
    case gradual(GradualSchedule)
    /// Each context with an id gets one variant, by cumulative weight in file order.
    case split([SplitWeight])

    /// The strategy's name as the flags file spells it.
    public var name: String {
        switch self {
        case .percentage: "percentage"
        case .userList: "user_list"
        case .gradual: "gradual"
        case .split: "split"
        }
    }
}

/// One variant's weight in a split; weights are relative and may have any positive sum.
public struct SplitWeight: Sendable, Hashable {
    public var variant: String
    public var weight: Double

    public init(variant: String, weight: Double) {
        self.variant = variant
        self.weight = weight
    }
}
