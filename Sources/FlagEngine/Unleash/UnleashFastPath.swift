/// Unleash toggles of the most common shape, flattened into plain records (no references, so evaluating them never
/// touches a reference count): an enabled toggle without dependencies or variants whose strategies are `default`,
/// `userWithId`, `flexibleRollout` (by `userId`, or `default` stickiness) and `gradualRolloutUserId`, constrained with
/// `IN`/`NOT_IN` (case-sensitive) on `userId`, `environment` or a property, without segments.
///
/// A context the records cannot decide exactly (an attribute that is not text, `properties` given as an object, no
/// user id where `default` stickiness would fall back to the session or a random draw) is handed back to
/// ``UnleashEngine``'s general path, so the answer is always the SDKs'.
///
/// `@unchecked Sendable`: the buffers are filled in `init`, never written again and freed in `deinit`, as
/// ``FlagSetStorage``'s are.
struct UnleashFastPath: ~Copyable, @unchecked Sendable {
    struct Toggle: BitwiseCopyable {
        var usable: Bool
        var strategyStart: Int32
        var strategyCount: Int32
        /// The strategy whose reaching is the rollout, or -1.
        var rolloutStrategy: Int32
    }

    struct Strategy: BitwiseCopyable {
        enum Kind: UInt8 { case always, userList, rollout }
        var kind: Kind
        /// `unconstrained default`: reported STATIC.
        var isStatic: Bool
        var constraintStart: Int32
        var constraintCount: Int32
        /// `userWithId`: the ids, as values `valueStart ..< valueStart + valueCount`.
        var valueStart: Int32
        var valueCount: Int32
        /// `rollout`: 1...100 (0: never on).
        var percentage: Int32
        /// `rollout`: the hash's state after `"<groupId>:"`.
        var groupHash: Murmur3.Prefix
    }

    struct Constraint: BitwiseCopyable {
        var field: Int32
        var negated: Bool
        /// `NOT_IN` (inverted flips the result after).
        var notIn: Bool
        var valueStart: Int32
        var valueCount: Int32
    }

    /// A value: a range of the byte table.
    struct Text: BitwiseCopyable {
        var start: Int32
        var count: Int32
    }

    /// Fields by number: 0 userId, 1 environment, 2 user_type (an attribute, else the context's user type), then
    /// properties by name (``propertyNames``).
    static let userIDField: Int32 = 0, environmentField: Int32 = 1, userTypeField: Int32 = 2

    let toggles: UnsafeMutableBufferPointer<Toggle>
    let strategies: UnsafeMutableBufferPointer<Strategy>
    let constraints: UnsafeMutableBufferPointer<Constraint>
    let values: UnsafeMutableBufferPointer<Text>
    let bytes: UnsafeMutableBufferPointer<UInt8>
    let propertyNames: [String]

    init(_ sources: [(toggle: UnleashToggle, rolloutStrategy: Int?, staticStrategies: Set<Int>)]) {
        var toggles: [Toggle] = [], strategies: [Strategy] = [], constraints: [Constraint] = [], values: [Text] = []
        var bytes: [UInt8] = []
        var propertyNames: [String] = []
        func text(_ value: String) -> Text {
            defer { bytes += Array(value.utf8) }
            return Text(start: Int32(bytes.count), count: Int32(value.utf8.count))
        }
        func field(_ name: String) -> Int32 {
            switch name {
            case "userId": return Self.userIDField
            case "environment": return Self.environmentField
            case "user_type": return Self.userTypeField
            default:
                if let index = propertyNames.firstIndex(of: name) { return Int32(index) + 3 }
                propertyNames.append(name)
                return Int32(propertyNames.count + 2)
            }
        }
        for source in sources {
            let toggle = source.toggle
            var record = Toggle(usable: false, strategyStart: Int32(strategies.count), strategyCount: 0,
                                rolloutStrategy: Int32(source.rolloutStrategy ?? -1))
            if Self.isPlain(toggle) {
                record.usable = true
                for (index, strategy) in toggle.strategies.enumerated() {
                    var compiled = Strategy(kind: .always, isStatic: source.staticStrategies.contains(index),
                                            constraintStart: Int32(constraints.count), constraintCount: Int32(strategy.constraints.count),
                                            valueStart: 0, valueCount: 0, percentage: 0, groupHash: Murmur3.Prefix([]))
                    for constraint in strategy.constraints {
                        let start = Int32(values.count)
                        values += constraint.values.map(text)
                        constraints.append(Constraint(field: field(constraint.contextName), negated: constraint.inverted,
                                                      notIn: constraint.operation == .notIn, valueStart: start,
                                                      valueCount: Int32(constraint.values.count)))
                    }
                    switch strategy.name {
                    case "userWithId":
                        compiled.kind = .userList
                        compiled.valueStart = Int32(values.count)
                        compiled.valueCount = Int32(strategy.compiled.userIDs.count)
                        values += strategy.compiled.userIDs.map(text)
                    case "flexibleRollout", "gradualRolloutUserId":
                        compiled.kind = .rollout
                        let percentage = strategy.name == "flexibleRollout" ? strategy.compiled.rollout : strategy.compiled.percentage
                        compiled.percentage = Int32(min(max(percentage, 0), 100))
                        compiled.groupHash = Murmur3.Prefix(((strategy.compiled.groupID ?? toggle.name) + ":").utf8)
                    default:
                        break
                    }
                    strategies.append(compiled)
                }
                record.strategyCount = Int32(toggle.strategies.count)
            }
            toggles.append(record)
        }
        self.toggles = flatBuffer(toggles)
        self.strategies = flatBuffer(strategies)
        self.constraints = flatBuffer(constraints)
        self.values = flatBuffer(values)
        self.bytes = flatBuffer(bytes)
        self.propertyNames = propertyNames
    }

    deinit {
        toggles.deallocate()
        strategies.deallocate()
        constraints.deallocate()
        values.deallocate()
        bytes.deallocate()
    }

    /// Whether the toggle has the shape the records hold.
    private static func isPlain(_ toggle: UnleashToggle) -> Bool {
        guard toggle.enabled, toggle.dependencies.isEmpty, toggle.variants.isEmpty else { return false }
        return toggle.strategies.allSatisfy { strategy in
            let kindKnown: Bool = switch strategy.name {
            case "default", "userWithId", "gradualRolloutUserId": true
            case "flexibleRollout": strategy.compiled.stickiness == "userId" || strategy.compiled.stickiness == "default"
            default: false
            }
            return kindKnown && strategy.segments.isEmpty && strategy.variants.isEmpty
                && strategy.constraints.allSatisfy { constraint in
                    (constraint.operation == .in || constraint.operation == .notIn) && !constraint.caseInsensitive
                        && !["sessionId", "remoteAddress", "appName", "currentTime", "properties"].contains(constraint.contextName)
                }
        }
    }


    private enum Read {
        case text(String)
        case missing
        /// Not decidable here.
        case other
    }

    @inline(__always)
    private func read(_ field: Int32, _ context: EvaluationContext) -> Read {
        switch field {
        case Self.userIDField: return context.userID.map(Read.text) ?? .missing
        case Self.environmentField: return context.environment.map(Read.text) ?? .missing
        default:
            let name = field == Self.userTypeField ? "user_type" : propertyNames[Int(field) - 3]
            if !context.customAttributes.isEmpty {
                switch context.customAttributes.value(forCodePoints: name) {
                case .string(let text)?: return .text(text)
                case nil: break
                default: return .other
                }
            }
            if field == Self.userTypeField, let type = context.userType { return .text(type) }
            return .missing
        }
    }

    @inline(__always)
    private func bytes(_ text: Text) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(text.start)..<Int(text.start + text.count)])
    }

    @inline(__always)
    private func contains(_ start: Int32, _ count: Int32, _ value: String) -> Bool {
        var index = Int(start)
        while index < Int(start + count) {
            if utf8Equal(value, bytes(values[index])) { return true }
            index += 1
        }
        return false
    }

    /// Decides toggle `index` into `outcome` (which starts at `disabled`, `DEFAULT`); false when the general path must
    /// decide (see the type's note).
    @inline(__always)
    func evaluate(_ index: Int, _ context: EvaluationContext, into outcome: inout EvaluationOutcome) -> Bool {
        let toggle = toggles[index]
        guard toggle.usable else { return false }
        // An attribute named `properties` is spread into the properties: the general path reads it.
        if !context.customAttributes.isEmpty, context.customAttributes["properties"] != nil { return false }
        if toggle.strategyCount == 0 {
            outcome.variantIndex = UnleashEngine.enabledIndex
            outcome.reason = .staticValue
            return true
        }
        var position = Int(toggle.strategyStart)
        let end = position + Int(toggle.strategyCount)
        while position < end {
            let strategy = strategies[position]
            var holds = true
            var slot = Int(strategy.constraintStart)
            while slot < Int(strategy.constraintStart + strategy.constraintCount) {
                let constraint = constraints[slot]
                let found: Bool
                switch read(constraint.field, context) {
                case .text(let value): found = contains(constraint.valueStart, constraint.valueCount, value)
                case .missing: found = false
                case .other: return false
                }
                if (constraint.notIn ? !found : found) == constraint.negated {
                    holds = false
                    break
                }
                slot += 1
            }
            if holds {
                let on: Bool
                switch strategy.kind {
                case .always:
                    on = true
                case .userList:
                    on = context.userID.map { contains(strategy.valueStart, strategy.valueCount, $0) } ?? false
                case .rollout:
                    // Without a user id, `default` stickiness would try the session id, then a random draw.
                    guard let id = context.userID else { return false }
                    on = strategy.percentage > 0 && strategy.groupHash.hash(id) % 100 + 1 <= UInt32(strategy.percentage)
                }
                let isRollout = Int32(position) - toggle.strategyStart == toggle.rolloutStrategy
                if isRollout { outcome.rolloutOutcome = on ? .hit : .miss }
                if on {
                    outcome.variantIndex = UnleashEngine.enabledIndex
                    outcome.reason = isRollout ? .rolloutMatch : strategy.isStatic ? .staticValue : .targetingMatch
                    return true
                }
            }
            position += 1
        }
        return true
    }
}
