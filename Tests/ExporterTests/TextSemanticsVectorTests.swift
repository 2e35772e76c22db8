import FlagEngine
import Foundation
import Testing

/// How the three rule languages compare and lower-case text, against Python itself (Tests/Fixtures/text): 3,000
/// texts drawn from canonically equivalent spellings (`é` and `e` + U+0301, `K` and KELVIN SIGN), Greek with final
/// sigma's case-ignorable neighbours, Turkish dotted I, sharp s and astral characters. Python's `==`, `in`,
/// `startswith`, `endswith` and `<` are the seed's by definition, and agree with JavaScript's (json-logic-js, Unleash's
/// Node SDK) and Go's and Rust's (flagd, Unleash's engine) on valid text; `str.lower()` agrees with `toLowerCase()`.
@Suite("Text semantics against Python")
struct TextSemanticsVectorTests {
    struct Comparison {
        let left: String, right: String
        let equal: Bool, contains: Bool, hasPrefix: Bool, hasSuffix: Bool, less: Bool
    }

    static func vectors() throws -> (lower: [(String, String)], comparisons: [Comparison]) {
        let script = CommandRunner.repositoryRoot + "/Tests/Fixtures/text/python_text_vectors.py"
        let run = try CommandRunner.run(try PythonTools.executable("python3"), [script])
        guard run.status == 0 else { throw TestFailure("python_text_vectors.py: \(run.standardError)") }
        var lower: [(String, String)] = []
        var comparisons: [Comparison] = []
        for line in run.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch (fields.first, fields.count) {
            case ("lower", 3): lower.append((try text(fields[1]), try text(fields[2])))
            case ("compare", 4):
                let flags = fields[3].map { $0 == "1" }
                guard flags.count == 5 else { throw TestFailure("unreadable flags: \(line)") }
                comparisons.append(Comparison(left: try text(fields[1]), right: try text(fields[2]), equal: flags[0],
                                              contains: flags[1], hasPrefix: flags[2], hasSuffix: flags[3], less: flags[4]))
            default: throw TestFailure("unreadable vector: \(line)")
            }
        }
        return (lower, comparisons)
    }

    static func text(_ hex: String) throws -> String {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw TestFailure("odd hex: \(hex)") }
        let bytes = try stride(from: 0, to: digits.count, by: 2).map { offset in
            guard let byte = UInt8(String(decoding: digits[offset..<offset + 2], as: UTF8.self), radix: 16) else {
                throw TestFailure("bad hex: \(hex)")
            }
            return byte
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func pair(_ comparison: Comparison) -> EvaluationContext {
        EvaluationContext(customAttributes: ["left": .string(comparison.left), "right": .string(comparison.right)])
    }

    @Test("the seed's conditions: ==, in, startswith, endswith, < and lower() are Python's")
    func seedConditions() throws {
        let (lower, comparisons) = try Self.vectors()
        #expect(lower.count == 1_510 && comparisons.count == 1_509)
        let rules = try [
            (Condition(parsing: "left == right"), \Comparison.equal), (Condition(parsing: "right in left"), \.contains),
            (Condition(parsing: "left.startswith(right)"), \.hasPrefix), (Condition(parsing: "left.endswith(right)"), \.hasSuffix),
            (Condition(parsing: "left < right"), \.less),
        ]
        for comparison in comparisons {
            for (condition, expected) in rules {
                let wanted: Condition.Outcome = comparison[keyPath: expected] ? .matched : .notMatched
                #expect(condition.evaluate(Self.pair(comparison)) == wanted,
                        "\(condition) for \(comparison.left.debugDescription), \(comparison.right.debugDescription)")
            }
        }
        let lowered = try Condition(parsing: "left.lower() == right")
        for (text, expected) in lower {
            let context = EvaluationContext(customAttributes: ["left": .string(text), "right": .string(expected)])
            #expect(lowered.evaluate(context) == .matched, "\(text.debugDescription).lower() is \(expected.debugDescription)")
        }
    }

    @Test("flagd's ==, ===, in (text and list), starts_with and ends_with compare code points")
    func flagdRules() throws {
        let (_, comparisons) = try Self.vectors()
        func rule(_ name: String, _ arguments: FlagValue...) throws -> LogicExpression {
            try LogicExpression.compile(.object([name: .list(arguments)]))
        }
        let left = FlagValue.object(["var": .string("left")]), right = FlagValue.object(["var": .string("right")])
        let rules = try [
            (rule("==", left, right), \Comparison.equal), (rule("===", left, right), \.equal),
            (rule("in", right, left), \.contains), (rule("starts_with", left, right), \.hasPrefix),
            (rule("ends_with", left, right), \.hasSuffix),
            (rule("in", right, .list([.string("x"), left])), \.equal),
        ]
        for comparison in comparisons {
            let scope = LogicScope(data: .object(["left": .string(comparison.left), "right": .string(comparison.right)]))
            for (expression, expected) in rules {
                #expect(try expression.evaluate(scope) == .bool(comparison[keyPath: expected]),
                        "\(expression) for \(comparison.left.debugDescription), \(comparison.right.debugDescription)")
            }
        }
    }

    @Test("Unleash's IN, NOT_IN and STR_* compare code points; caseInsensitive lower-cases as toLowerCase() does")
    func unleashConstraints() throws {
        let (lower, comparisons) = try Self.vectors()
        let operators: [(UnleashConstraint.Operator, KeyPath<Comparison, Bool>)] = [
            (.in, \.equal), (.stringContains, \.contains), (.stringStartsWith, \.hasPrefix), (.stringEndsWith, \.hasSuffix),
        ]
        // An empty property reads as absent in some SDKs: those pairs are left to the seed's and flagd's tests.
        for comparison in comparisons where !comparison.left.isEmpty && !comparison.right.isEmpty {
            let context = UnleashContext(properties: ["left": comparison.left])
            for (operation, expected) in operators {
                let constraint = UnleashConstraint(contextName: "left", operation: operation, values: [comparison.right])
                #expect(constraint.holds(for: context, now: 0) == comparison[keyPath: expected],
                        "\(operation) \(comparison.left.debugDescription), \(comparison.right.debugDescription)")
            }
            let notIn = UnleashConstraint(contextName: "left", operation: .notIn, values: [comparison.right])
            #expect(notIn.holds(for: context, now: 0) == !comparison.equal)
        }
        for (text, expected) in lower where !text.isEmpty {
            // The context's text lower-cased must be Python's lower() of it, code point for code point.
            let constraint = UnleashConstraint(contextName: "left", operation: .in, values: [expected], caseInsensitive: true)
            let other = UnleashConstraint(contextName: "left", operation: .in, values: [expected + "x"], caseInsensitive: true)
            let context = UnleashContext(properties: ["left": text])
            #expect(constraint.holds(for: context, now: 0) && !other.holds(for: context, now: 0), "\(text.debugDescription)")
        }
    }
}
