/// A targeting-rule condition, parsed and type-checked once at load time and never `eval`-ed.
///
/// The language is the seed's Python-like syntax (docs/configuration.md, "Conditions"). Evaluation is a pure function of the context,
/// safe from any number of threads.
public struct Condition: Sendable, CustomStringConvertible {
    /// The condition text as written in the flags file.
    public let source: String
    let expression: ConditionExpression

    /// Parses and type-checks `source`.
    ///
    /// - Throws: ``ConditionSyntaxError`` with the line and column of the fault inside `source`, for syntax errors,
    ///   names or methods outside the language, statically impossible comparisons, over 4 KiB of text or nesting
    ///   deeper than 32 levels.
    public init(parsing source: String) throws(ConditionSyntaxError) {
        var parser = try ConditionParser(source: source)
        self.expression = try parser.parse()
        self.source = source
    }

    /// The outcome of evaluating a condition against one context.
    public enum Outcome: Sendable, Equatable {
        case matched
        case notMatched
        /// A run-time type mismatch (for example ordering a number against a string attribute): the rule is
        /// treated as not matching and one evaluation error is counted.
        case typeMismatch(String)
    }

    /// Evaluates the condition for `context`.
    public func evaluate(_ context: EvaluationContext) -> Outcome {
        do {
            return try expression.evaluate(context).isTruthy ? .matched : .notMatched
        } catch {
            return .typeMismatch(error.message)
        }
    }

    /// Whether the condition matches `context`; a type mismatch does not match.
    public func matches(_ context: EvaluationContext) -> Bool {
        evaluate(context) == .matched
    }

    public var description: String { source }

    /// `field == 'text'` or `field != 'text'` on a well-known field, which evaluation compiles to a byte comparison.
    var fieldEquality: (field: WellKnownField, literal: String, negated: Bool)? {
        guard case .fieldEqualsString(let field, let literal, let negated) = expression, let known = field.wellKnown
        else { return nil }
        return (known, literal, negated)
    }
}
