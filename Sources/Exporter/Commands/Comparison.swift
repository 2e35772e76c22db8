import FlagConfig
public import Settings
import WireFormat
public import FlagEngine

/// `simulate --compare`: one population under two configs (any formats), and per flag how many users would be served
/// something else, before moving a rollout from one system to another.
public struct ComparisonReport: Sendable {
    /// One flag present in both configs.
    public struct FlagLine: Sendable {
        public var key: String
        /// Users served another value (the value decides what the application does; variant names may differ between
        /// systems, `on` against `enabled`).
        public var valueChanges: Int
        /// Users served a variant of another name.
        public var variantChanges: Int
        /// The most frequent moves, `(before, after, users)`, by variant name, most users first.
        public var moves: [(from: String, to: String, users: Int)]
    }

    public var users: Int
    public var beforeSource: String
    public var afterSource: String
    public var flags: [FlagLine]
    /// Keys in only one of the two configs.
    public var onlyBefore: [String]
    public var onlyAfter: [String]

    /// Evaluates members `0 ..< population.size` of `population` under `before` and `after` at `time`, for every key in
    /// both (or those of `flags`).
    public static func run(before: FlagSet, after: FlagSet, population: ExporterSettings.Population, flags: [String] = [],
                           at time: Double) -> ComparisonReport {
        let members = SyntheticPopulation(settings: population)
        let keys = before.definitions.map(\.key).filter { after.index(of: $0) != nil && (flags.isEmpty || flags.contains($0)) }
        let pairs = keys.map { (before.index(of: $0)!, after.index(of: $0)!) }
        var moves = Array(repeating: [String: Int](), count: keys.count)
        var valueChanges = Array(repeating: 0, count: keys.count)
        let clock = EvaluationClock.fixed(time)
        var context = EvaluationContext()
        for number in 0..<population.size {
            members.fill(&context, member: number)
            for (position, (left, right)) in pairs.enumerated() {
                let first = before.result(for: before.evaluate(flagAt: left, in: context, clock: clock))
                let second = after.result(for: after.evaluate(flagAt: right, in: context, clock: clock))
                if first.value != second.value { valueChanges[position] += 1 }
                if first.variant != second.variant { moves[position][first.variant + "\u{0}" + second.variant, default: 0] += 1 }
            }
        }
        let lines = keys.indices.map { position in
            let sorted = moves[position].sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            return FlagLine(
                key: keys[position], valueChanges: valueChanges[position],
                variantChanges: sorted.reduce(0) { $0 + $1.value },
                moves: sorted.prefix(3).map { entry in
                    let names = entry.key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
                    return (names[0], names[1], entry.value)
                })
        }
        return ComparisonReport(
            users: population.size, beforeSource: before.info.source, afterSource: after.info.source, flags: lines,
            onlyBefore: before.definitions.map(\.key).filter { after.index(of: $0) == nil },
            onlyAfter: after.definitions.map(\.key).filter { before.index(of: $0) == nil })
    }

    /// A table: per flag, users served another value and another variant, with the largest moves.
    public var table: String {
        var output = "compared \(users) users: \(beforeSource) (\(flags.isEmpty ? "no common flags" : "before")) against \(afterSource) (after)\n"
        let pad = SimulationReport.pad
        output += pad("flag", 40) + pad("value changes", 22) + pad("variant changes", 22) + "largest moves\n"
        for flag in flags {
            let moves = flag.moves.map { "\($0.from) -> \($0.to) \($0.users)" }.joined(separator: ", ")
            output += pad(flag.key, 40) + pad(Self.count(flag.valueChanges, of: users), 22)
                + pad(Self.count(flag.variantChanges, of: users), 22) + (moves.isEmpty ? "-" : moves) + "\n"
        }
        if !onlyBefore.isEmpty { output += "only before: \(onlyBefore.joined(separator: ", "))\n" }
        if !onlyAfter.isEmpty { output += "only after: \(onlyAfter.joined(separator: ", "))\n" }
        return output
    }

    /// The same as JSON: `{"users", "before", "after", "flags": [{"flag_key", "value_changes", "variant_changes",
    /// "moves": [{"from", "to", "users"}]}], "only_before", "only_after"}`.
    public var json: String {
        JSONWriter.object { json in
            json.add("users", users)
            json.add("before", beforeSource)
            json.add("after", afterSource)
            json.array("flags") { list in
                for flag in flags {
                    list.object { entry in
                        entry.add("flag_key", flag.key)
                        entry.add("value_changes", flag.valueChanges)
                        entry.add("variant_changes", flag.variantChanges)
                        entry.array("moves") { moves in
                            for move in flag.moves {
                                moves.object { item in
                                    item.add("from", move.from)
                                    item.add("to", move.to)
                                    item.add("users", move.users)
                                }
                            }
                        }
                    }
                }
            }
            json.add("only_before", onlyBefore)
            json.add("only_after", onlyAfter)
        }
    }

    static func count(_ count: Int, of total: Int) -> String {
        let share = total > 0 ? Double(count) / Double(total) * 100 : 0
        return "\(count) (\(CheckReport.formatPercentage(share))%)"
    }
}
