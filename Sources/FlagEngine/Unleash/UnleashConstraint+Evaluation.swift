extension UnleashConstraint {
    /// Whether the constraint holds for `context` at `now`, as the Unleash SDKs decide it: a missing context value
    /// fails every operator but `NOT_IN`; values that do not parse as numbers, dates or versions fail; `inverted`
    /// negates the outcome; an unknown operator is false.
    public func holds(for context: UnleashContext, now: Double) -> Bool {
        guard let operation else { return false }
        // currentTime is a number already: dates compare with it directly, not through its RFC 3339 text.
        if contextName == "currentTime", operation == .dateAfter || operation == .dateBefore {
            guard let limit = value.flatMap(RFC3339Time.parse) else { return inverted }
            let time = context.currentTime ?? now
            let result = operation == .dateAfter ? time > limit : time < limit
            return inverted ? !result : result
        }
        let result = evaluate(operation, context.field(contextName, now: now))
        return inverted ? !result : result
    }

    private func evaluate(_ operation: Operator, _ contextValue: String?) -> Bool {
        switch operation {
        case .in, .notIn:
            let found = contextValue.map(values.contains) ?? false
            return operation == .in ? found : !found
        case .stringContains, .stringStartsWith, .stringEndsWith:
            guard var text = contextValue else { return false }
            var candidates = values
            if caseInsensitive {
                text = text.lowercased()
                candidates = candidates.map { $0.lowercased() }
            }
            return candidates.contains { candidate in
                switch operation {
                case .stringContains: text.contains(candidate)
                case .stringStartsWith: text.hasPrefix(candidate)
                default: text.hasSuffix(candidate)
                }
            }
        case .numberEqual, .numberGreater, .numberGreaterOrEqual, .numberLess, .numberLessOrEqual:
            guard let text = contextValue, let left = Double(text.trimmingJavaScriptSpace()),
                  let right = value.flatMap({ Double($0.trimmingJavaScriptSpace()) }), left.isFinite, right.isFinite
            else { return false }
            switch operation {
            case .numberEqual: return left == right
            case .numberGreater: return left > right
            case .numberGreaterOrEqual: return left >= right
            case .numberLess: return left < right
            default: return left <= right
            }
        case .dateAfter, .dateBefore:
            guard let text = contextValue, let left = RFC3339Time.parse(text), let right = value.flatMap(RFC3339Time.parse)
            else { return false }
            return operation == .dateAfter ? left > right : left < right
        case .semVerEqual, .semVerGreater, .semVerLess:
            guard let text = contextValue, let left = Self.strictVersion(text), let right = value.flatMap(Self.strictVersion)
            else { return false }
            switch operation {
            case .semVerEqual: return left == right
            case .semVerGreater: return left > right
            default: return left < right
            }
        }
    }

    /// A full `major.minor.patch[-pre][+build]` version, as node-semver's `valid` takes it.
    static func strictVersion(_ text: String) -> SemanticVersion? {
        let core = text.split(separator: "+", maxSplits: 1).first.map { $0.split(separator: "-", maxSplits: 1).first ?? "" } ?? ""
        let stripped = core.hasPrefix("v") ? core.dropFirst() : Substring(core)
        guard stripped.split(separator: ".", omittingEmptySubsequences: false).count == 3 else { return nil }
        return SemanticVersion(text)
    }
}
