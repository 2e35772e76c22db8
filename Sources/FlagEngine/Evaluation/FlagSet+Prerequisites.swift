/// Prerequisites resolved without recursion: an explicit stack no deeper than ``DependencyGraph/maximumDepth`` and a
/// memo, so each flag is evaluated at most once per evaluation however the prerequisites share flags (46 flags each
/// depending on the next two cost 46 evaluations, not 2^46).
extension FlagSet {
    /// One flag's result, as its dependants see it.
    struct Memo {
        /// The flag index, or -1 for an empty slot.
        var flag: Int32
        var truthy: Bool
        var conditionErrors: Int32
    }

    /// A flag whose prerequisites are being resolved.
    struct Frame {
        var flag: Int32
        var slot: Int32
        var conditionErrors: Int32
    }

    /// Whether every prerequisite of the flag at `index` serves a truthy value for `context`, and the condition
    /// errors met on the way.
    static func prerequisitesHold(
        _ index: Int, _ storage: FlagSetStorage, _ context: EvaluationContext, _ clock: EvaluationClock
    ) -> (hold: Bool, conditionErrors: Int) {
        let flag = storage.flags[index]
        let slots = Int(flag.prerequisitesStart)..<Int(flag.prerequisitesStart + flag.prerequisitesCount)
        // The common shape: prerequisites without prerequisites of their own. Each is decided directly.
        if storage.extras.dependencyDepth[index] == 1 {
            var conditionErrors = 0
            for slot in slots {
                let result = evaluateLeaf(Int(storage.prerequisites[slot]), storage, context, clock)
                conditionErrors += Int(result.conditionErrors)
                if !result.truthy { return (false, conditionErrors) }
            }
            return (true, conditionErrors)
        }
        var capacity = 8
        while capacity < 2 * (Int(storage.extras.prerequisiteReach[index]) + 1) { capacity <<= 1 }
        return withUnsafeTemporaryAllocation(of: Memo.self, capacity: capacity) { memo in
            memo.initialize(repeating: Memo(flag: -1, truthy: false, conditionErrors: 0))
            return withUnsafeTemporaryAllocation(of: Frame.self, capacity: DependencyGraph.maximumDepth + 2) { stack in
                resolve(index, storage, context, clock, memo: memo, stack: stack)
            }
        }
    }

    /// A flag with no prerequisites (or disabled), evaluated for a dependant.
    private static func evaluateLeaf(
        _ index: Int, _ storage: FlagSetStorage, _ context: EvaluationContext, _ clock: EvaluationClock
    ) -> Memo {
        let flag = storage.flags[index]
        var outcome = EvaluationOutcome(flagIndex: index, variantIndex: Int(flag.defaultIndex), reason: .defaultValue)
        if flag.state != .disabled { decide(flag, storage, context, clock, into: &outcome) }
        return Memo(
            flag: Int32(index), truthy: storage.variantTruthiness[Int(flag.variantStart) + outcome.variantIndex],
            conditionErrors: Int32(outcome.conditionErrors))
    }

    private static func resolve(
        _ root: Int, _ storage: FlagSetStorage, _ context: EvaluationContext, _ clock: EvaluationClock,
        memo: UnsafeMutableBufferPointer<Memo>, stack: UnsafeMutableBufferPointer<Frame>
    ) -> (hold: Bool, conditionErrors: Int) {
        let mask = memo.count - 1
        func find(_ flag: Int32) -> Int {
            var position = Int(UInt32(bitPattern: flag) &* 2_654_435_761) & mask
            while memo[position].flag != -1 && memo[position].flag != flag { position = (position + 1) & mask }
            return position
        }
        stack[0] = Frame(flag: Int32(root), slot: storage.flags[root].prerequisitesStart, conditionErrors: 0)
        var count = 1
        while count > 0 {
            let top = stack[count - 1]
            let flag = storage.flags[Int(top.flag)]
            if top.slot < flag.prerequisitesStart + flag.prerequisitesCount {
                let dependency = storage.prerequisites[Int(top.slot)]
                let position = find(dependency)
                if memo[position].flag == -1 {
                    let compiled = storage.flags[Int(dependency)]
                    if compiled.prerequisitesCount == 0 || compiled.state == .disabled {
                        memo[position] = evaluateLeaf(Int(dependency), storage, context, clock)
                    } else if count < stack.count {
                        stack[count] = Frame(flag: dependency, slot: compiled.prerequisitesStart, conditionErrors: 0)
                        count += 1
                    } else {
                        // Deeper than the load-time limit allows: cannot happen for a compiled set; fail closed.
                        return (false, Int(stack[0].conditionErrors))
                    }
                    continue
                }
                stack[count - 1].conditionErrors += memo[position].conditionErrors
                if memo[position].truthy {
                    stack[count - 1].slot += 1
                    continue
                }
                // A prerequisite failed: the flag serves its default.
                if count == 1 { return (false, Int(stack[0].conditionErrors)) }
                memo[find(top.flag)] = Memo(
                    flag: top.flag, truthy: storage.variantTruthiness[Int(flag.variantStart + flag.defaultIndex)],
                    conditionErrors: stack[count - 1].conditionErrors)
                count -= 1
                continue
            }
            // Every prerequisite holds.
            if count == 1 { return (true, Int(top.conditionErrors)) }
            var outcome = EvaluationOutcome(flagIndex: Int(top.flag), variantIndex: Int(flag.defaultIndex), reason: .defaultValue)
            decide(flag, storage, context, clock, into: &outcome)
            memo[find(top.flag)] = Memo(
                flag: top.flag, truthy: storage.variantTruthiness[Int(flag.variantStart) + outcome.variantIndex],
                conditionErrors: top.conditionErrors + Int32(outcome.conditionErrors))
            count -= 1
        }
        return (true, 0)
    }
}
