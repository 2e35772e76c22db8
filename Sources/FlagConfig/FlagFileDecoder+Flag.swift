import FlagEngine

extension FlagFileDecoder {
    mutating func decodeFlag(_ key: String, _ node: YAMLNode, settings: GlobalSettings) -> FlagDefinition? {
        let path: [ConfigPathComponent] = [.key("flags"), .key(key)]
        guard mapping(node, path) != nil else { return nil }
        warnUnknownKeys(node, Self.flagKeys, path)
        let errorsBefore = diagnostics.count(where: { $0.severity == .error })

        var state = FlagState.disabled
        if let stateNode = node["state"], let text = name(stateNode, path + [.key("state")]) {
            if let parsed = FlagState(rawValue: text) {
                state = parsed
            } else {
                error(stateNode, path + [.key("state")], "unknown state '\(text)'; expected enabled, disabled or rollout")
            }
        } else if node["state"] == nil {
            error(node, path + [.key("state")], "missing 'state' (enabled, disabled or rollout)")
        }

        var variants: [Variant] = []
        if let variantsNode = node["variants"], let pairs = mapping(variantsNode, path + [.key("variants")]) {
            variants = pairs.map { Variant(name: $0.key, value: value($0.value)) }
            warnMixedTypes(variants, at: variantsNode, path + [.key("variants")])
        }
        if variants.isEmpty {
            // A flag without variants is the common on/off switch.
            variants = [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))]
        }
        var defaultVariant = variants.contains(where: { $0.name == "off" }) ? "off" : variants[0].name
        if let node = node["default_variant"], let text = name(node, path + [.key("default_variant")]) {
            defaultVariant = text
        }

        let rollout = node["rollout"].flatMap { decodeRollout($0, path + [.key("rollout")], settings: settings) }

        var rules: [TargetingRule] = []
        if let rulesNode = node["targeting_rules"] {
            if case .sequence(let items) = rulesNode.content {
                for (index, item) in items.enumerated() {
                    if let rule = decodeRule(item, path + [.key("targeting_rules"), .index(index)], index: index) {
                        rules.append(rule)
                    }
                }
            } else if !(scalarText(rulesNode).map { ScalarResolver.resolve($0, .plain) == .null } ?? false) {
                error(rulesNode, path + [.key("targeting_rules")], "expected a list of rules, found \(rulesNode.kindName)")
            }
        }

        var dependencies: [String] = []
        if let dependencyNode = node["dependencies"] {
            dependencies = names(dependencyNode, path + [.key("dependencies")])
        }
        var metadataEntries: [(String, FlagValue)] = []
        var parentFlag: String?
        if let metadataNode = node["metadata"], let pairs = mapping(metadataNode, path + [.key("metadata")]) {
            for pair in pairs {
                switch pair.key {
                case "parent_flag":
                    parentFlag = name(pair.value, path + [.key("metadata"), .key("parent_flag")])
                    metadataEntries.append((pair.key, parentFlag.map(FlagValue.string) ?? .null))
                case "dependencies":
                    // The seed config keeps dependencies inside metadata; they count as real dependencies.
                    for dependency in names(pair.value, path + [.key("metadata"), .key("dependencies")])
                    where !dependencies.contains(dependency) {
                        dependencies.append(dependency)
                    }
                default:
                    metadataEntries.append((pair.key, value(pair.value)))
                }
            }
        }

        let errorsAfter = diagnostics.count(where: { $0.severity == .error })
        guard errorsAfter == errorsBefore else { return nil }
        return FlagDefinition(
            key: key, state: state, defaultVariant: defaultVariant, variants: variants, rollout: rollout,
            targetingRules: rules, dependencies: dependencies, parentFlag: parentFlag,
            metadata: FlagMetadata(metadataEntries))
    }

    mutating func decodeRollout(_ node: YAMLNode, _ path: [ConfigPathComponent], settings: GlobalSettings) -> Rollout? {
        guard mapping(node, path) != nil else { return nil }
        warnUnknownKeys(node, Self.rolloutKeys, path)
        var strategyName = "percentage"
        if let strategyNode = node["strategy"], let text = name(strategyNode, path + [.key("strategy")]) {
            strategyName = text
        }
        var rollout = Rollout(strategy: .percentage(settings.defaultRolloutPercentage))
        if let variantNode = node["variant"] { rollout.variant = name(variantNode, path + [.key("variant")]) }
        if let stickyNode = node["sticky"] { rollout.sticky = bool(stickyNode, path + [.key("sticky")]) }
        if let bucketNode = node["bucket_by"] { rollout.bucketBy = name(bucketNode, path + [.key("bucket_by")]) }
        switch strategyName {
        case "percentage":
            if let percentageNode = node["percentage"],
                let value = number(percentageNode, path + [.key("percentage")])
            {
                rollout.strategy = .percentage(value)
            }
        case "user_list":
            let listNode = node["user_list"]
            if listNode == nil { error(node, path + [.key("user_list")], "a user_list rollout needs 'user_list'") }
            rollout.strategy = .userList(listNode.map { names($0, path + [.key("user_list")]) } ?? [])
        case "gradual":
            guard let gradualNode = node["gradual"] else {
                error(node, path + [.key("gradual")], "a gradual rollout needs 'gradual'")
                return nil
            }
            guard let schedule = decodeGradual(gradualNode, path + [.key("gradual")]) else { return nil }
            rollout.strategy = .gradual(schedule)
        case "split":
            guard let distributionNode = node["distribution"],
                let pairs = mapping(distributionNode, path + [.key("distribution")])
            else {
                if node["distribution"] == nil {
                    error(node, path + [.key("distribution")], "a split rollout needs 'distribution'")
                }
                return nil
            }
            var weights: [SplitWeight] = []
            for pair in pairs {
                if let weight = number(pair.value, path + [.key("distribution"), .key(pair.key)]) {
                    weights.append(SplitWeight(variant: pair.key, weight: weight))
                }
            }
            rollout.strategy = .split(weights)
        default:
            error(
                node["strategy"] ?? node, path + [.key("strategy")],
                "unknown strategy '\(strategyName)'; expected percentage, user_list, gradual or split")
            return nil
        }
        return rollout
    }

    mutating func decodeGradual(_ node: YAMLNode, _ path: [ConfigPathComponent]) -> GradualSchedule? {
        guard mapping(node, path) != nil else { return nil }
        warnUnknownKeys(node, ["start_time", "end_time", "start_percentage", "end_percentage", "steps"], path)
        if let stepsNode = node["steps"] {
            guard case .sequence(let items) = stepsNode.content else {
                error(stepsNode, path + [.key("steps")], "expected a list of {at, percentage}")
                return nil
            }
            var steps: [GradualSchedule.Step] = []
            for (index, item) in items.enumerated() {
                let stepPath = path + [.key("steps"), .index(index)]
                guard mapping(item, stepPath) != nil else { continue }
                warnUnknownKeys(item, ["at", "percentage"], stepPath)
                guard let atNode = item["at"], let percentageNode = item["percentage"] else {
                    error(item, stepPath, "a step needs 'at' and 'percentage'")
                    continue
                }
                if let at = time(atNode, stepPath + [.key("at")]),
                    let percentage = number(percentageNode, stepPath + [.key("percentage")])
                {
                    steps.append(GradualSchedule.Step(at: at, percentage: percentage))
                }
            }
            return .steps(steps)
        }
        var fields: [String: Double] = [:]
        for field in ["start_time", "end_time"] {
            guard let child = node[field] else {
                error(node, path + [.key(field)], "a gradual schedule needs '\(field)' (or 'steps')")
                continue
            }
            fields[field] = time(child, path + [.key(field)])
        }
        let startPercentage = node["start_percentage"].flatMap { number($0, path + [.key("start_percentage")]) } ?? 0
        let endPercentage = node["end_percentage"].flatMap { number($0, path + [.key("end_percentage")]) } ?? 100
        guard let start = fields["start_time"], let end = fields["end_time"] else { return nil }
        return .linear(start: start, end: end, startPercentage: startPercentage, endPercentage: endPercentage)
    }

    mutating func decodeRule(_ node: YAMLNode, _ path: [ConfigPathComponent], index: Int) -> TargetingRule? {
        guard mapping(node, path) != nil else { return nil }
        warnUnknownKeys(node, Self.ruleKeys, path)
        let ruleName = node["name"].flatMap { name($0, path + [.key("name")]) } ?? "rule_\(index)"
        // Every problem of the rule is reported, not just the first.
        var variant: String?
        if let variantNode = node["variant"] {
            variant = name(variantNode, path + [.key("variant")])
        } else {
            error(node, path + [.key("variant")], "a targeting rule needs 'variant'")
        }
        let priority = node["priority"].flatMap { integer($0, path + [.key("priority")]) } ?? 0
        guard let conditionNode = node["condition"] else {
            error(node, path + [.key("condition")], "a targeting rule needs 'condition'")
            return nil
        }
        guard case .scalar(let text, let style) = conditionNode.content else {
            error(conditionNode, path + [.key("condition")], "expected the condition as text, found \(conditionNode.kindName)")
            return nil
        }
        do throws(ConditionSyntaxError) {
            let condition: Condition
            if let compiled = compiledConditions[text] {
                condition = compiled
            } else {
                condition = try Condition(parsing: text)
                compiledConditions[text] = condition
            }
            guard let variant else { return nil }
            return TargetingRule(name: ruleName, condition: condition, variant: variant, priority: priority)
        } catch {
            let location = conditionLocation(conditionNode, style: style, error: error)
            self.error(at: location, path + [.key("condition")], "\(error.message) in condition \"\(abbreviated(text))\"")
            return nil
        }
    }

    private func abbreviated(_ text: String) -> String {
        let single = text.replacingOccurrences(of: "\n", with: " ")
        return single.count > 80 ? String(single.prefix(77)) + "..." : single
    }

    /// The file position of a fault inside a condition scalar: exact for single-line plain and quoted scalars (the
    /// common case), and for block scalars the content line with its indentation.
    private func conditionLocation(
        _ node: YAMLNode,
        style: YAMLNode.ScalarStyle,
        error: ConditionSyntaxError
    ) -> SourceLocation {
        var location = node.location
        switch style {
        case .plain, .quoted:
            if error.line == 1 {
                location.column += error.column - 1 + (style == .quoted ? 1 : 0)
            } else {
                location.line += error.line - 1
                location.column = error.column
            }
        case .block:
            location.line += error.line
            let indentation = sources.line(location.line, of: location.file)?.prefix(while: { $0 == " " }).count ?? 0
            location.column = indentation + error.column
        }
        return location
    }

    /// A flag whose variants hold values of different OpenFeature types (boolean, string, integer, float, object)
    /// cannot be read through OpenFeature's typed API: `getBooleanValue` answers TYPE_MISMATCH to every user served
    /// a string variant. A warning at the variants (an error under `--strict`); `null` values mix with any type.
    mutating func warnMixedTypes(_ variants: [Variant], at node: YAMLNode, _ path: [ConfigPathComponent]) {
        var byType: [(type: String, names: [String])] = []
        for variant in variants {
            let type: String
            switch variant.value {
            case .null: continue
            case .bool: type = "boolean"
            case .int: type = "integer"
            case .double: type = "float"
            case .string: type = "string"
            case .list, .object: type = "object"
            }
            if let index = byType.firstIndex(where: { $0.type == type }) {
                byType[index].names.append(variant.name)
            } else {
                byType.append((type, [variant.name]))
            }
        }
        guard byType.count > 1 else { return }
        let described = byType.map { "\($0.names.joined(separator: ", ")): \($0.type)" }.joined(separator: "; ")
        warn(
            node, path,
            "variants mix value types (\(described)); OpenFeature's typed API answers TYPE_MISMATCH to the users served "
                + "a variant of another type: give every variant the same type")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
