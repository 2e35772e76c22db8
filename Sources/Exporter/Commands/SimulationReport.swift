public import FlagEngine
import WireFormat
public import Telemetry

/// Realised against configured shares per flag and variant, from a tally of synthetic evaluations: what `simulate`
/// prints and what the realised-share tests check.
public struct SimulationReport: Sendable {
    /// One flag's line.
    public struct FlagLine: Sendable {
        public var key: String
        public var state: FlagState
        public var strategy: String
        public var evaluations: UInt64
        /// The effective rollout percentage at the time of the run (0..100).
        public var configuredPercentage: Double
        /// in / (in + out) × 100 over evaluations that reached the rollout step; `nil` if none did.
        public var realisedPercentage: Double?
        public var rolloutEvaluations: UInt64
        public var variants: [VariantLine]
        /// The split's sample-ratio-mismatch p-value, for splits.
        public var splitPValue: Double?
    }

    /// One variant of a flag.
    public struct VariantLine: Sendable {
        public var name: String
        /// Share of all this flag's evaluations that served it (0..100).
        public var realisedShare: Double
        /// For splits: the configured weight share (0..100), and the realised share among split assignments.
        public var configuredSplitShare: Double?
        public var realisedSplitShare: Double?
    }

    public var users: Int
    public var environment: String
    public var flags: [FlagLine]

    public init(tally: EvaluationTally, users: Int, at time: Double, flagKeys: [String] = []) {
        let flagSet = tally.flagSet
        self.users = users
        environment = flagSet.info.environment
        var lines: [FlagLine] = []
        for (index, definition) in flagSet.definitions.enumerated() where flagKeys.isEmpty || flagKeys.contains(definition.key) {
            let perVariant = definition.variants.indices.map { tally.count(flagAt: index, variant: $0) }
            let total = perVariant.reduce(0, +)
            let rollout = tally.rolloutCounts(flagAt: index)
            let reached = rollout.hits + rollout.misses
            var weights: [Double]?
            if definition.state == .rollout, case .split(let split)? = definition.rollout?.strategy {
                weights = definition.variants.map { variant in split.first(where: { $0.variant == variant.name })?.weight ?? 0 }
            }
            let splitCounts = definition.variants.indices.map { tally.count(flagAt: index, variant: $0, reason: .split) }
            let splitTotal = splitCounts.reduce(0, +)
            let weightTotal = weights?.reduce(0, +) ?? 0
            let variants = definition.variants.enumerated().map { position, variant in
                VariantLine(
                    name: variant.name,
                    realisedShare: total > 0 ? Double(perVariant[position]) / Double(total) * 100 : 0,
                    configuredSplitShare: weights.map { weightTotal > 0 ? $0[position] / weightTotal * 100 : 0 },
                    realisedSplitShare: weights != nil && splitTotal > 0
                        ? Double(splitCounts[position]) / Double(splitTotal) * 100 : (weights != nil ? 0 : nil))
            }
            lines.append(
                FlagLine(
                    key: definition.key, state: definition.state,
                    strategy: definition.effectiveStrategyName,
                    evaluations: total, configuredPercentage: flagSet.effectivePercentage(ofFlagAt: index, at: time),
                    realisedPercentage: reached > 0 ? Double(rollout.hits) / Double(reached) * 100 : nil,
                    rolloutEvaluations: reached, variants: variants,
                    splitPValue: weights.map { ChiSquare.pValue(observed: splitCounts, expectedShares: $0) }))
        }
        flags = lines
    }

    /// A fixed-width table.
    public var table: String {
        var output = "simulated \(users) users, environment \(environment)\n"
        output += Self.pad("flag", 40) + Self.pad("strategy", 12) + Self.pad("configured", 12) + Self.pad("realised", 12) + "variants (realised share; split: configured/realised)\n"
        for flag in flags {
            let realised = flag.realisedPercentage.map { format($0) + "%" } ?? "-"
            var variants = flag.variants.map { variant in
                var text = "\(variant.name) \(format(variant.realisedShare))%"
                if let configured = variant.configuredSplitShare, let split = variant.realisedSplitShare {
                    text += " (\(format(configured))/\(format(split)))"
                }
                return text
            }.joined(separator: ", ")
            if let pValue = flag.splitPValue { variants += "; SRM p=\(format(pValue, digits: 4))" }
            output += Self.pad(flag.key, 40) + Self.pad(flag.strategy, 12) + Self.pad(format(flag.configuredPercentage) + "%", 12)
                + Self.pad(realised, 12) + variants + "\n"
        }
        return output
    }

    /// JSON: `{"users", "environment", "flags": [...]}`.
    public var json: String {
        JSONWriter.object { json in
            json.add("users", users)
            json.add("environment", environment)
            json.array("flags") { list in
                for flag in flags {
                    list.object { entry in
                        entry.add("flag_key", flag.key)
                        entry.add("state", flag.state.rawValue)
                        entry.add("strategy", flag.strategy)
                        entry.add("evaluations", flag.evaluations)
                        entry.add("configured_percentage", flag.configuredPercentage)
                        entry.add("realised_percentage", flag.realisedPercentage)
                        entry.add("rollout_evaluations", flag.rolloutEvaluations)
                        if let pValue = flag.splitPValue { entry.add("split_srm_p_value", pValue) }
                        entry.array("variants") { variants in
                            for variant in flag.variants {
                                variants.object { item in
                                    item.add("variant", variant.name)
                                    item.add("realised_share", variant.realisedShare)
                                    if let configured = variant.configuredSplitShare { item.add("configured_split_share", configured) }
                                    if let split = variant.realisedSplitShare { item.add("realised_split_share", split) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `text` padded to a column of `width`, with at least one space after it: the report tables' cells.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }


    private func format(_ value: Double, digits: Int = 2) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
