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
        #expect(try Self.flag(nil, default: nil).resolve("f", context: context, now: 0) == FlagdResolution(reason: .staticValue))
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
        // A bucket without a weight weighs 1; a fractional weight is refused (null).
        let equal = try Self.flag(.object(["fractional": .list([.list([.string("on")]), .list([.string("off")])])]))
        #expect(equal.resolve("f", context: EvaluationContext(userID: "x"), now: 0).reason == .targetingMatch)
        let broken = try Self.flag(.object(["fractional": .list([.list([.string("on"), .double(0.5)]), .list([.string("off"), .int(1)])])]))
        #expect(broken.resolve("f", context: EvaluationContext(userID: "x"), now: 0).reason == .defaultValue)
    }

    @Test("sem_ver compares by semver precedence; ^ and ~ match major and minor", arguments: [
        ("1.2.3", "=", "v1.2.3", true), ("1.2.3", "<", "1.10.0", true), ("1.0.0-alpha", "<", "1.0.0", true),
        ("1.0.0-alpha.1", "<", "1.0.0-alpha.beta", true), ("1.0.0-beta.11", ">", "1.0.0-beta.2", true),
        ("1.0.0+build", "=", "1.0.0", true), ("2.1.0", "^", "2.9.9", true), ("2.1.0", "~", "2.2.0", false),
        ("2.1.0", "~", "2.1.7", true), ("1.2", ">=", "1.2.0", true), ("x.y.z", "=", "x.y.z", false), ("1.2.3", "<>", "1.2.3", false),
    ])
    func semVer(left: String, operation: String, right: String, expected: Bool) throws {
        let rule = try LogicExpression.compile(Self.rule("sem_ver", .string(left), .string(operation), .string(right)))
        #expect(rule.evaluate(LogicScope(data: .null)) == .bool(expected), "\(left) \(operation) \(right)")
    }

    @Test("starts_with and ends_with take text only")
    func affixes() throws {
        func run(_ rule: FlagValue) throws -> FlagValue { try LogicExpression.compile(rule).evaluate(LogicScope(data: .null)) }
        #expect(try run(Self.rule("starts_with", .string("user@example.com"), .string("user"))) == .bool(true))
        #expect(try run(Self.rule("ends_with", .string("user@example.com"), .string("@example.com"))) == .bool(true))
        #expect(try run(Self.rule("ends_with", .int(10), .string("0"))) == .bool(false))
    }
}
