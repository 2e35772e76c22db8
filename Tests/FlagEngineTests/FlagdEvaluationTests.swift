import FlagEngine
import Testing

/// flagd's resolution rules and its own operators (fractional, sem_ver, starts_with, ends_with, $flagd).
@Suite("flagd evaluation")
struct FlagdEvaluationTests {
    static func flag(_ targeting: FlagValue?, default defaultVariant: String? = "off", enabled: Bool = true) throws -> FlagdFlagSet {
        FlagdFlagSet(flags: [
            FlagdFlag(key: "f", isEnabled: enabled, variants: [("on", .bool(true)), ("off", .bool(false))],
                      defaultVariant: defaultVariant, targeting: try targeting.map(LogicExpression.compile)),
        ])
    }

    static func rule(_ name: String, _ arguments: FlagValue...) -> FlagValue { .object([name: .list(arguments)]) }
    static func variable(_ path: String) -> FlagValue { .object(["var": .string(path)]) }

    @Test("reasons: STATIC, TARGETING_MATCH, DEFAULT for null or an unknown variant, DISABLED and FLAG_NOT_FOUND")
    func reasons() throws {
        let context = EvaluationContext(userID: "u")
        #expect(try Self.flag(nil).resolve("f", context: context, now: 0) == FlagdResolution(variant: "off", value: .bool(false), reason: .staticValue))
        #expect(try Self.flag(.string("on")).resolve("f", context: context, now: 0).reason == .targetingMatch)
        // true names the variant "true", which this flag does not have: the default.
        #expect(try Self.flag(.bool(true)).resolve("f", context: context, now: 0) == FlagdResolution(variant: "off", value: .bool(false), reason: .defaultValue))
        let booleanNames = FlagdFlagSet(flags: [FlagdFlag(key: "b", isEnabled: true, variants: [("true", .string("yes")), ("false", .string("no"))],
                                                          defaultVariant: "false", targeting: try LogicExpression.compile(Self.rule("==", .int(1), .int(1))))])
        #expect(booleanNames.resolve("b", context: context, now: 0) == FlagdResolution(variant: "true", value: .string("yes"), reason: .targetingMatch))
        #expect(try Self.flag(Self.rule("if", .bool(false), .string("on"))).resolve("f", context: context, now: 0)
            == FlagdResolution(variant: "off", value: .bool(false), reason: .defaultValue))
        #expect(try Self.flag(.string("purple")).resolve("f", context: context, now: 0).reason == .defaultValue)
        #expect(try Self.flag(.string("on"), default: nil).resolve("f", context: context, now: 0).variant == "on")
        #expect(try Self.flag(nil, default: nil).resolve("f", context: context, now: 0) == FlagdResolution(reason: .defaultValue))
        #expect(try Self.flag(nil, enabled: false).resolve("f", context: context, now: 0) == FlagdResolution(reason: .disabled))
        #expect(try Self.flag(nil).resolve("g", context: context, now: 0) == FlagdResolution(reason: .error, errorCode: .flagNotFound))
    }

    @Test("$flagd.flagKey, $flagd.timestamp (the context's time, else now), targetingKey and attributes are data")
    func data() throws {
        let set = try Self.flag(Self.rule("if",
            Self.rule("and", Self.rule("==", Self.variable("$flagd.flagKey"), .string("f")),
                      Self.rule(">", Self.variable("$flagd.timestamp"), .int(1_700_000_000)),
                      Self.rule("==", Self.variable("targetingKey"), .string("u")),
                      Self.rule("==", Self.variable("account.plan"), .string("pro"))),
            .string("on"), .string("off")))
        let context = EvaluationContext(userID: "u", customAttributes: ["account": .object(["plan": .string("pro")])])
        #expect(set.resolve("f", context: context, now: 1_800_000_000).variant == "on")
        #expect(set.resolve("f", context: context, now: 1_600_000_000).variant == "off")
        var dated = context
        dated.timestamp = 1_750_000_000.9
        #expect(set.resolve("f", context: dated, now: 0).variant == "on")
        #expect(FlagdFlagSet.data(dated, flagKey: "f", now: 0).description.contains(#""timestamp":1750000000"#))
    }

    @Test("fractional hashes flagKey + targetingKey, or the text of its first argument; weights are integers")
    func fractional() throws {
        let buckets: [FlagValue] = [.list([.string("on"), .int(25)]), .list([.string("off"), .int(75)])]
        let byDefault = try Self.flag(.object(["fractional": .list(buckets)]))
        let byEmail = try Self.flag(.object(["fractional": .list([Self.rule("cat", Self.variable("$flagd.flagKey"), Self.variable("email"))] + buckets)]))
        var on = 0
        for index in 0..<4_000 {
            let id = "user-\(index)"
            let expected = (UInt64(Murmur3.hash32("f" + id)) * 100) >> 32 < 25 ? "on" : "off"
            let resolved = byDefault.resolve("f", context: EvaluationContext(userID: id), now: 0)
            #expect(resolved.variant == expected && resolved.reason == .targetingMatch, "\(id)")
            if expected == "on" { on += 1 }
            let email = "\(id)@example.com"
            let byEmailExpected = (UInt64(Murmur3.hash32("f" + email)) * 100) >> 32 < 25 ? "on" : "off"
            #expect(byEmail.resolve("f", context: EvaluationContext(customAttributes: ["email": .string(email)]), now: 0).variant == byEmailExpected)
        }
        #expect(abs(on - 1_000) < 90, "\(on) of 4000 at 25%")
        // No targeting key and no text to hash: null, so the default variant.
        #expect(byDefault.resolve("f", context: EvaluationContext(), now: 0).reason == .defaultValue)
        // A bucket without a weight weighs 1; a fractional weight is an error (the default variant).
        let equal = try Self.flag(.object(["fractional": .list([.list([.string("on")]), .list([.string("off")])])]))
        #expect(equal.resolve("f", context: EvaluationContext(userID: "x"), now: 0).reason == .targetingMatch)
        let broken = try Self.flag(.object(["fractional": .list([.list([.string("on"), .double(0.5)]), .list([.string("off"), .int(1)])])]))
        #expect(broken.resolve("f", context: EvaluationContext(userID: "x"), now: 0).reason == .defaultValue)
    }

    @Test("sem_ver compares by semver precedence; ^ and ~ match major and minor; a non-version or another operator is an error",
          arguments: [
        ("1.2.3", "=", "v1.2.3", true), ("1.2.3", "<", "1.10.0", true), ("1.0.0-alpha", "<", "1.0.0", true),
        ("1.0.0-alpha.1", "<", "1.0.0-alpha.beta", true), ("1.0.0-beta.11", ">", "1.0.0-beta.2", true),
        ("1.0.0+build", "=", "1.0.0", true), ("2.1.0", "^", "2.9.9", true), ("2.1.0", "~", "2.2.0", false),
        ("2.1.0", "~", "2.1.7", true), ("1.2", ">=", "1.2.0", true), ("x.y.z", "=", "x.y.z", nil), ("2.0.0.0", "=", "2.0.0", nil),
        ("1.2.3", "<>", "1.2.3", nil), ("1.2.3", "===", "1.2.3", nil),
    ] as [(String, String, String, Bool?)])
    func semVer(left: String, operation: String, right: String, expected: Bool?) throws {
        let rule = try LogicExpression.compile(Self.rule("sem_ver", .string(left), .string(operation), .string(right)))
        if let expected {
            #expect(try rule.evaluate(LogicScope(data: .null)) == .bool(expected), "\(left) \(operation) \(right)")
        } else {
            #expect(throws: LogicEvaluationError.self, "\(left) \(operation) \(right)") { try rule.evaluate(LogicScope(data: .null)) }
        }
    }

    @Test("starts_with and ends_with take two texts; anything else is an error")
    func affixes() throws {
        func run(_ rule: FlagValue) throws -> FlagValue { try LogicExpression.compile(rule).evaluate(LogicScope(data: .null)) }
        #expect(try run(Self.rule("starts_with", .string("user@example.com"), .string("user"))) == .bool(true))
        #expect(try run(Self.rule("ends_with", .string("user@example.com"), .string("@example.com"))) == .bool(true))
        #expect(try run(Self.rule("ends_with", .string("user@example.com"), .string("@test.com"))) == .bool(false))
        #expect(throws: LogicEvaluationError("'ends_with' compares text only")) { try run(Self.rule("ends_with", .int(10), .string("0"))) }
        #expect(throws: LogicEvaluationError("'starts_with' takes 2 arguments, not 1")) { try run(Self.rule("starts_with", .string("abc"))) }
        #expect(throws: LogicEvaluationError("'sem_ver' takes 3 arguments, not 2")) {
            try run(Self.rule("sem_ver", .string("1.0.0"), .string("=")))
        }
    }

    /// flagd since open-feature/flagd#1874: an operator's error stops the targeting at the default variant (DEFAULT),
    /// never an `if`'s other branch; the engine counts it as a condition error. Each rule would pick the variant
    /// named "false" if the error were read as false.
    @Test("an operator's error gives the default variant, never the false branch, and counts as a condition error", arguments: [
        FlagValue.object(["starts_with": .list([.object(["var": .string("num")]), .string("abc")])]),
        .object(["ends_with": .list([.string("xyz")])]),
        .object(["sem_ver": .list([.object(["var": .string("version")]), .string("=")])]),
        .object(["sem_ver": .list([.string("not-a-version"), .string("="), .string("1.0.0")])]),
        .object(["sem_ver": .list([.string("1.0.0"), .string("==="), .string("1.0.0")])]),
        .object(["fractional": .list([.object(["var": .string("targetingKey")]), .list([.string("one"), .int(0)]), .list([.string("two"), .int(0)])])]),
        .object(["fractional": .list([.object(["var": .string("missing")]), .list([.string("one"), .int(50)]), .list([.string("two"), .int(50)])])]),
    ])
    func operatorErrors(condition: FlagValue) throws {
        let flagd = FlagdFlagSet(flags: [
            FlagdFlag(key: "f", isEnabled: true, variants: [("true", .string("t")), ("false", .string("f")), ("fallback", .string("d"))],
                      defaultVariant: "fallback",
                      targeting: try LogicExpression.compile(.object(["if": .list([condition, .string("true"), .string("false")])]))),
        ])
        let set = FlagSet(flagd: flagd, info: FlagSetInfo())
        for context in [EvaluationContext(customAttributes: ["num": .int(123), "version": .string("1.0.0")]), EvaluationContext()] {
            #expect(flagd.resolve("f", context: context, now: 0) == FlagdResolution(variant: "fallback", value: .string("d"), reason: .defaultValue))
            let outcome = set.evaluate(flagAt: 0, in: context)
            #expect(set.variantName(flagAt: 0, variant: outcome.variantIndex) == "fallback")
            #expect(outcome.reason == .defaultValue && outcome.conditionErrors == 1)
        }
    }

    @Test("a negative fractional weight counts as 0")
    func negativeWeight() throws {
        let set = try Self.flag(.object(["fractional": .list([.list([.string("on"), .int(-50)]), .list([.string("off"), .int(100)])])]))
        for index in 0..<200 { #expect(set.resolve("f", context: EvaluationContext(userID: "u\(index)"), now: 0).variant == "off") }
    }
}
