@testable import FlagEngine
import Testing

/// JSON Logic as json-logic-js (jsonlogic.com's reference) evaluates it: each case is a rule, its data and the result
/// the reference gives, from jsonlogic.com's operations page and its shared tests.
@Suite("JSON Logic")
struct JSONLogicTests {
    static func run(_ rule: FlagValue, _ data: FlagValue = .object([:])) throws -> FlagValue {
        try LogicExpression.compile(rule).evaluate(LogicScope(data: data))
    }

    static func rule(_ name: String, _ arguments: FlagValue...) -> FlagValue { .object([name: .list(arguments)]) }
    static func variable(_ path: String) -> FlagValue { .object(["var": .string(path)]) }

    @Test("comparison and equality follow JavaScript's coercions", arguments: [
        (rule("==", .int(1), .int(1)), FlagValue.bool(true)),
        (rule("==", .int(1), .string("1")), .bool(true)),
        (rule("==", .int(0), .bool(false)), .bool(true)),
        (rule("==", .null, .int(0)), .bool(false)),
        (rule("===", .int(1), .string("1")), .bool(false)),
        (rule("===", .int(1), .double(1.0)), .bool(true)),
        (rule("!=", .string("a"), .string("b")), .bool(true)),
        (rule("!==", .int(1), .string("1")), .bool(true)),
        (rule("<", .int(1), .int(2), .int(3)), .bool(true)),
        (rule("<", .int(1), .int(1), .int(3)), .bool(false)),
        (rule("<=", .int(1), .int(1), .int(3)), .bool(true)),
        (rule(">", .string("2"), .int(11)), .bool(false)),
        (rule(">", .string("b"), .string("a")), .bool(true)),
        (rule("<", .string("11"), .string("2")), .bool(true)),
        (rule(">=", .string("abc"), .null), .bool(false)),
    ])
    func comparisons(rule: FlagValue, expected: FlagValue) throws {
        #expect(try Self.run(rule) == expected, "\(rule)")
    }

    @Test("logic returns operands, short-circuits, and if chains", arguments: [
        (rule("and", .bool(true), .string("a"), .int(3)), FlagValue.int(3)),
        (rule("and", .bool(true), .string(""), .int(3)), .string("")),
        (rule("or", .bool(false), .int(0), .string("a")), .string("a")),
        (rule("or", .bool(false), .list([])), .list([])),
        (rule("if", .bool(true), .string("yes"), .string("no")), .string("yes")),
        (rule("if", .list([]), .string("yes"), .string("no")), .string("no")),
        (rule("if", .bool(false), .string("a"), .bool(false), .string("b"), .string("c")), .string("c")),
        (rule("if", .bool(false), .string("a")), .null),
        (rule("?:", .bool(true), .int(1), .int(2)), .int(1)),
        (.object(["!": .list([.list([])])]), .bool(true)),
        (.object(["!!": .list([.string("0")])]), .bool(true)),
        (.object(["!!": .list([.object([:])])]), .bool(true)),
    ])
    func logic(rule: FlagValue, expected: FlagValue) throws {
        #expect(try Self.run(rule) == expected, "\(rule)")
    }

    @Test("var reads dotted paths, list indexes and defaults; missing and missing_some list what is absent")
    func variables() throws {
        let data = FlagValue.object(["a": .object(["b": .string("c")]), "list": .list([.string("x"), .string("y")]), "n": .null])
        #expect(try Self.run(Self.variable("a.b"), data) == .string("c"))
        #expect(try Self.run(Self.variable("list.1"), data) == .string("y"))
        #expect(try Self.run(.object(["var": .list([.string("a.z"), .int(26)])]), data) == .int(26))
        #expect(try Self.run(.object(["var": .list([.string("n"), .string("default")])]), data) == .string("default"))
        #expect(try Self.run(Self.variable(""), .int(7)) == .int(7))
        #expect(try Self.run(.object(["var": .int(1)]), .list([.string("p"), .string("q")])) == .string("q"))
        #expect(try Self.run(.object(["missing": .list([.string("a.b"), .string("z"), .string("n")])]), data)
            == .list([.string("z"), .string("n")]))
        #expect(try Self.run(Self.rule("missing_some", .int(1), .list([.string("a"), .string("z")])), data) == .list([]))
        #expect(try Self.run(Self.rule("missing_some", .int(2), .list([.string("a"), .string("z")])), data) == .list([.string("z")]))
    }

    @Test("text, arithmetic and lists", arguments: [
        (rule("cat", .string("I love"), .string(" pie"), .int(1), .bool(true), .null), FlagValue.string("I love pie1truenull")),
        (rule("cat", .double(1.5), .list([.int(1), .int(2)])), .string("1.51,2")),
        (rule("substr", .string("jsonlogic"), .int(4)), .string("logic")),
        (rule("substr", .string("jsonlogic"), .int(-5)), .string("logic")),
        (rule("substr", .string("jsonlogic"), .int(1), .int(3)), .string("son")),
        (rule("substr", .string("jsonlogic"), .int(4), .int(-2)), .string("log")),
        (rule("in", .string("Spring"), .string("Springfield")), .bool(true)),
        (rule("in", .string("Ringo"), .list([.string("John"), .string("Paul")])), .bool(false)),
        (rule("in", .int(1), .list([.string("1")])), .bool(false)),
        (rule("+", .int(4), .int(2)), .int(6)),
        (rule("+", .string("3.14")), .double(3.14)),
        (rule("+", .int(1), .string("a")), .double(.nan)),
        (rule("-", .int(4), .int(2)), .int(2)),
        (rule("-", .int(2)), .int(-2)),
        (rule("*", .int(2), .double(2.5)), .int(5)),
        (rule("/", .int(1), .int(4)), .double(0.25)),
        (rule("%", .int(101), .int(2)), .int(1)),
        (rule("max", .int(1), .int(3), .int(2)), .int(3)),
        (rule("min", .int(1), .int(3), .int(2)), .int(1)),
        (rule("merge", .list([.int(1), .int(2)]), .int(3)), .list([.int(1), .int(2), .int(3)])),
    ])
    func values(rule: FlagValue, expected: FlagValue) throws {
        let result = try Self.run(rule)
        if case .double(let wanted) = expected, wanted.isNaN {
            guard case .double(let got) = result else { Issue.record("\(rule) gave \(result)"); return }
            #expect(got.isNaN)
        } else {
            #expect(result == expected, "\(rule)")
        }
    }

    @Test("map, filter, reduce, all, some, none run a rule per element")
    func iteration() throws {
        let numbers = FlagValue.object(["integers": .list([.int(1), .int(2), .int(3), .int(4)])])
        let list = FlagValue.object(["var": .string("integers")])
        #expect(try Self.run(Self.rule("map", list, Self.rule("*", Self.variable(""), .int(2))), numbers)
            == .list([.int(2), .int(4), .int(6), .int(8)]))
        #expect(try Self.run(Self.rule("filter", list, Self.rule("%", Self.variable(""), .int(2))), numbers)
            == .list([.int(1), .int(3)]))
        #expect(try Self.run(Self.rule("reduce", list, Self.rule("+", Self.variable("current"), Self.variable("accumulator")), .int(0)), numbers)
            == .int(10))
        #expect(try Self.run(Self.rule("all", list, Self.rule(">", Self.variable(""), .int(0))), numbers) == .bool(true))
        #expect(try Self.run(Self.rule("all", .list([]), .bool(true))) == .bool(false))
        #expect(try Self.run(Self.rule("some", list, Self.rule(">", Self.variable(""), .int(3))), numbers) == .bool(true))
        #expect(try Self.run(Self.rule("none", list, Self.rule(">", Self.variable(""), .int(4))), numbers) == .bool(true))
    }

    @Test("compile errors name the operator and where it is", arguments: [
        (FlagValue.object(["nope": .list([])]), "nope: unknown operator 'nope'"),
        (.object(["if": .list([.object(["==": .list([.int(1)])])])]), "if.0.==: '==' takes 2 arguments, not 1"),
        (.object(["a": .int(1), "b": .int(2)]), "a rule is an object with exactly one operator; this one has 2 keys (a, b)"),
        (.object(["var": .list([.string("a"), .int(1), .int(2)])]), "var: 'var' takes a path and an optional default, not 3 values"),
        (.object(["substr": .list([.string("abc")])]), "substr: 'substr' takes 2 to 3 arguments, not 1"),
        (.object(["$ref": .string("x")]), "$ref: $ref to \"x\" names no entry of $evaluators"),
    ])
    func compileErrors(rule: FlagValue, message: String) {
        #expect(throws: LogicCompileError.self) { try LogicExpression.compile(rule) }
        do { _ = try LogicExpression.compile(rule) } catch { #expect(error.description == message) }
    }
}

/// The hot paths' hash (the state after a flag key or `"<groupId>:"`, then the id) against the one-piece hash of the
/// same bytes.
@Suite("Murmur3 after a prefix")
struct Murmur3PrefixTests {
    @Test("every split point of every length 0 to 40, multi-byte UTF-8 included, four seeds, ids as bytes and as text")
    func pieces() {
        let text = Array("ab€cdé-fg🙂hijklmnopqrstu-vwxyz0123456789".utf8)
        for length in 0...40 {
            let bytes = Array(text.prefix(length))
            for seed: UInt32 in [0, 1, 86_028_157, 0xFFFF_FFFF] {
                let whole = bytes.withUnsafeBytes { Murmur3.hash32($0, seed: seed) }
                for split in 0...bytes.count {
                    let prefix = Murmur3.Prefix(bytes[..<split], seed: seed)
                    let rest = Array(bytes[split...])
                    #expect(rest.withUnsafeBytes { prefix.hash($0) } == whole, "length \(length) split \(split) seed \(seed)")
                    // Ids are strings on the hot paths: small (up to 15 bytes, stored inline) and native ones.
                    if let id = String(validating: rest, as: UTF8.self) {
                        #expect(prefix.hash(id) == whole, "length \(length) split \(split) seed \(seed), as text")
                    }
                }
            }
        }
    }
}
