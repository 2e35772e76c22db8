import Locking

/// Validates flag definitions and lays them out as the flat tables of ``FlagSetStorage``.
struct FlagSetCompiler: Sendable {
    private var issues: [FlagSetValidationError.Issue] = []
    private var flags: [CompiledFlag] = []
    private var rules: [CompiledRule] = []
    private var conditions: [Condition] = []
    private var prerequisites: [Int32] = []
    private var keyBytes: [UInt8] = []
    private var variantTruthiness: [Bool] = []
    private var extras = CompiledExtras()
    private var indexByKey: [String: Int] = [:]

    /// Sets with at least this many flags compile in two halves at once, one on each core.
    static let parallelFlagCount = 1024

    static func compile(
        _ definitions: [FlagDefinition],
        settings: GlobalSettings,
        info: FlagSetInfo,
        parallelFrom parallelFlagCount: Int = parallelFlagCount
    ) throws(FlagSetValidationError) -> FlagSetStorage {
        var compiler = FlagSetCompiler()
        compiler.indexByKey.reserveCapacity(definitions.count)
        for definition in definitions {
            if compiler.indexByKey[definition.key] != nil {
                compiler.issues.append(
                    .init(
                        path: [.key("flags"), .key(definition.key)],
                        message: "duplicate flag key '\(definition.key)'"))
            } else {
                compiler.indexByKey[definition.key] = compiler.indexByKey.count
            }
        }
        if definitions.count >= parallelFlagCount {
            // Each half lays its flags out in tables of its own; the second half's are then shifted to follow the
            // first's, which gives exactly the tables one pass would have built.
            let keys = compiler.indexByKey
            let compileHalf: @Sendable (ArraySlice<FlagDefinition>) -> FlagSetCompiler = { part in
                var half = FlagSetCompiler()
                half.indexByKey = keys
                for definition in part { half.add(definition, settings: settings) }
                return half
            }
            let middle = definitions.count / 2
            let (first, second) = concurrently(
                { compileHalf(definitions[..<middle]) }, { compileHalf(definitions[middle...]) })
            compiler.append(first)
            compiler.append(second)
        } else {
            for definition in definitions { compiler.add(definition, settings: settings) }
        }
        if compiler.issues.isEmpty {
            let graph = DependencyGraph.analyse(definitions, compiler.flags, compiler.prerequisites)
            compiler.issues += graph.issues
            compiler.extras.dependencyDepth = graph.depth
            compiler.extras.prerequisiteReach = graph.reach
        }
        if !compiler.issues.isEmpty { throw FlagSetValidationError(issues: compiler.issues) }
        return FlagSetStorage(
            definitions: definitions, settings: settings, info: info, extras: compiler.extras, flags: compiler.flags,
            rules: compiler.rules, conditions: compiler.conditions, prerequisites: compiler.prerequisites, keyBytes: compiler.keyBytes,
            variantTruthiness: compiler.variantTruthiness)
    }

    /// Appends the tables `other` compiled after this compiler's, moving every offset of `other`'s flags and rules
    /// by the length of the table it points into.
    private mutating func append(_ other: FlagSetCompiler) {
        let variantBase = Int32(variantTruthiness.count)
        let rulesBase = Int32(rules.count)
        let conditionBase = Int32(conditions.count)
        let prerequisitesBase = Int32(prerequisites.count)
        let keyBase = Int32(keyBytes.count)
        let userListBase = Int32(extras.userLists.count)
        let gradualBase = Int32(extras.gradualSchedules.count)
        let splitBase = Int32(extras.splits.count)
        let cumulativeBase = Int32(extras.splitCumulative.count)
        let customBase = Int32(extras.customBucketNames.count)
        flags += other.flags.lazy.map { flag in
            var moved = flag
            moved.variantStart += variantBase
            moved.rulesStart += rulesBase
            moved.prerequisitesStart += prerequisitesBase
            moved.prefixStart += keyBase
            switch moved.rolloutKind {
            case .userList: moved.extraIndex += userListBase
            case .gradual: moved.extraIndex += gradualBase
            case .split: moved.extraIndex += splitBase
            case .none, .percentage: break
            }
            if moved.bucketField == .custom { moved.customBucketIndex += customBase }
            return moved
        }
        rules += other.rules.lazy.map { rule in
            var moved = rule
            moved.conditionIndex += conditionBase
            if moved.kind != .general { moved.literalStart += keyBase }
            return moved
        }
        conditions += other.conditions
        prerequisites += other.prerequisites
        keyBytes += other.keyBytes
        variantTruthiness += other.variantTruthiness
        extras.userLists += other.extras.userLists
        extras.gradualSchedules += other.extras.gradualSchedules
        extras.splits += other.extras.splits.lazy.map { ($0.lowerBound + cumulativeBase)..<($0.upperBound + cumulativeBase) }
        extras.splitCumulative += other.extras.splitCumulative
        extras.splitVariantIndices += other.extras.splitVariantIndices
        extras.customBucketNames += other.extras.customBucketNames
        issues += other.issues
    }

    private mutating func report(_ flag: FlagDefinition, _ path: [ConfigPathComponent], _ message: String) {
        issues.append(.init(path: [.key("flags"), .key(flag.key)] + path, message: message))
    }

    private mutating func add(_ flag: FlagDefinition, settings: GlobalSettings) {
        if !FlagSet.isValidKey(flag.key) {
            report(flag, [], "flag key '\(flag.key)' does not match [A-Za-z_][A-Za-z0-9_.-]{0,127}")
        }
        // Flags have a handful of variants: a scan finds the first of a name faster than hashing into a dictionary.
        func index(of name: String) -> Int32? {
            flag.variants.firstIndex { $0.name.hasSameCodePoints(as: name) }.map(Int32.init)
        }
        func lookUp(_ name: String, _ path: [ConfigPathComponent], in compiler: inout FlagSetCompiler) -> Int32 {
            if let index = index(of: name) { return index }
            let known = flag.variants.map { "'\($0.name)'" }.joined(separator: ", ")
            compiler.report(flag, path, "variant '\(name)' is not one of the flag's variants (\(known))")
            return 0
        }
        if flag.variants.isEmpty { report(flag, [.key("variants")], "a flag needs at least one variant") }
        let defaultIndex = lookUp(flag.defaultVariant, [.key("default_variant")], in: &self)
        let enabledIndex =
            flag.rollout?.variant != nil
            ? lookUp(flag.enabledVariant, [.key("rollout"), .key("variant")], in: &self)
            : (index(of: flag.enabledVariant) ?? defaultIndex)

        let rulesStart = rules.count
        var flagRules: [CompiledRule] = []
        for (index, rule) in flag.targetingRules.enumerated() {
            let variant = lookUp(rule.variant, [.key("targeting_rules"), .index(index), .key("variant")], in: &self)
            var compiled = CompiledRule(
                kind: .general, field: .userID, literalStart: 0, literalCount: 0,
                conditionIndex: Int32(conditions.count), variantIndex: variant, ruleIndex: Int32(index))
            if let equality = rule.condition.fieldEquality {
                compiled.kind = equality.negated ? .fieldNotEquals : .fieldEquals
                compiled.field = equality.field
                compiled.literalStart = Int32(keyBytes.count)
                keyBytes += equality.literal.utf8
                compiled.literalCount = Int32(keyBytes.count) - compiled.literalStart
            } else {
                conditions.append(rule.condition)
            }
            flagRules.append(compiled)
        }
        // Stable: priority descending, ties in file order.
        flagRules.sort { lhs, rhs in
            let left = flag.targetingRules[Int(lhs.ruleIndex)].priority
            let right = flag.targetingRules[Int(rhs.ruleIndex)].priority
            return left != right ? left > right : lhs.ruleIndex < rhs.ruleIndex
        }
        rules += flagRules

        let prerequisitesStart = prerequisites.count
        var seen: Set<Int32> = []
        for (index, dependency) in flag.dependencies.enumerated() {
            guard let target = indexByKey.value(forCodePoints: dependency) else {
                report(flag, [.key("dependencies"), .index(index)], "depends on unknown flag '\(dependency)'")
                continue
            }
            if seen.insert(Int32(target)).inserted { prerequisites.append(Int32(target)) }
        }
        if let parent = flag.parentFlag {
            if let target = indexByKey.value(forCodePoints: parent) {
                if seen.insert(Int32(target)).inserted { prerequisites.append(Int32(target)) }
            } else {
                report(flag, [.key("metadata"), .key("parent_flag")], "parent flag '\(parent)' is not defined")
            }
        }

        let prefixStart = keyBytes.count
        keyBytes += flag.key.utf8
        keyBytes.append(UInt8(ascii: ":"))
        let variantStart = variantTruthiness.count
        variantTruthiness += flag.variants.map(\.value.isTruthy)

        var compiled = CompiledFlag(
            state: flag.state, rolloutKind: .none, bucketField: BucketField(flag.rollout?.bucketBy),
            sticky: flag.rollout?.sticky ?? settings.stickyBucketing, defaultIndex: defaultIndex,
            enabledIndex: enabledIndex, variantStart: Int32(variantStart),
            rulesStart: Int32(rulesStart), rulesCount: Int32(flagRules.count),
            prerequisitesStart: Int32(prerequisitesStart),
            prerequisitesCount: Int32(prerequisites.count - prerequisitesStart), prefixStart: Int32(prefixStart),
            prefixCount: Int32(keyBytes.count - prefixStart), extraIndex: 0, customBucketIndex: 0, fraction: 0)
        if compiled.bucketField == .custom, let name = flag.rollout?.bucketBy {
            compiled.customBucketIndex = Int32(extras.customBucketNames.count)
            extras.customBucketNames.append(name)
        }
        addRollout(flag, settings: settings, into: &compiled) { name, path, compiler in
            lookUp(name, path, in: &compiler)
        }
        flags.append(compiled)
    }

    private mutating func checkPercentage(_ flag: FlagDefinition, _ value: Double, _ path: [ConfigPathComponent]) {
        if !(0...100).contains(value) { report(flag, path, "\(formatNumber(value)) is not in 0...100") }
    }

    private mutating func addRollout(
        _ flag: FlagDefinition,
        settings: GlobalSettings,
        into compiled: inout CompiledFlag,
        variantIndex: (String, [ConfigPathComponent], inout FlagSetCompiler) -> Int32
    ) {
        guard let rollout = flag.rollout else {
            if flag.state == .rollout {
                checkPercentage(flag, settings.defaultRolloutPercentage, [])
                compiled.rolloutKind = .percentage
                compiled.fraction = settings.defaultRolloutPercentage / 100
            }
            return
        }
        let rolloutPath: [ConfigPathComponent] = [.key("rollout")]
        switch rollout.strategy {
        case .percentage(let percentage):
            checkPercentage(flag, percentage, rolloutPath + [.key("percentage")])
            compiled.rolloutKind = .percentage
            compiled.fraction = percentage / 100
        case .userList(let ids):
            compiled.rolloutKind = .userList
            compiled.extraIndex = Int32(extras.userLists.count)
            extras.userLists.append(UserList(ids))
        case .gradual(let schedule):
            let gradualPath = rolloutPath + [.key("gradual")]
            switch schedule {
            case .linear(let start, let end, let startPercentage, let endPercentage):
                checkPercentage(flag, startPercentage, gradualPath + [.key("start_percentage")])
                checkPercentage(flag, endPercentage, gradualPath + [.key("end_percentage")])
                if end <= start { report(flag, gradualPath + [.key("end_time")], "end_time is not after start_time") }
            case .steps(let steps):
                if steps.isEmpty {
                    report(flag, gradualPath + [.key("steps")], "a stepwise schedule needs at least one step")
                }
                for (index, step) in steps.enumerated() {
                    let stepPath = gradualPath + [.key("steps"), .index(index)]
                    checkPercentage(flag, step.percentage, stepPath + [.key("percentage")])
                    if index > 0, step.at <= steps[index - 1].at {
                        report(flag, stepPath + [.key("at")], "steps must be in increasing time order")
                    }
                }
            }
            compiled.rolloutKind = .gradual
            compiled.extraIndex = Int32(extras.gradualSchedules.count)
            extras.gradualSchedules.append(schedule)
        case .split(let weights):
            let path = rolloutPath + [.key("distribution")]
            if weights.isEmpty { report(flag, path, "a split needs at least one variant weight") }
            var total = 0.0
            var indices: [Int32] = []
            for weight in weights {
                if !(weight.weight > 0) || !weight.weight.isFinite {
                    report(flag, path + [.key(weight.variant)], "weight \(formatNumber(weight.weight)) must be a positive number")
                }
                indices.append(variantIndex(weight.variant, path + [.key(weight.variant)], &self))
                total += weight.weight
            }
            var running = 0.0
            var cumulative: [Double] = []
            for weight in weights {
                running += weight.weight
                cumulative.append(running / total)
            }
            compiled.rolloutKind = .split
            compiled.extraIndex = Int32(extras.splits.count)
            extras.splits.append(
                Int32(extras.splitCumulative.count)..<Int32(extras.splitCumulative.count + cumulative.count))
            extras.splitCumulative += cumulative
            extras.splitVariantIndices += indices
        }
    }

    /// Every dependency cycle, reported once at the flag where the search first closes it.
}

/// A number as a person writes it: `140`, `12.5`.
func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
