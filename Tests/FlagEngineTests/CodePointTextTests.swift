import FlagEngine
import Testing

/// Text compared code point by code point in every rule language, never by Swift's canonical equivalence: a client
/// that sends `e` + COMBINING ACUTE (U+0301) has not sent `é` (U+00E9) to Python, JavaScript, Go or Rust, so it must not
/// have sent it to us either, and the answer must not depend on whether a flag takes the engine's fast path (which
/// compares bytes) or its interpreter. The expected values are Python's and JavaScript's (TextSemanticsVectorTests
/// checks 3,000 more against Python itself).
@Suite("Code point text")
struct CodePointTextTests {
    static let composed = "caf\u{e9}"
    static let decomposed = "cafe\u{301}"

    @Test("seed conditions: canonically equivalent spellings differ; in, startswith and endswith see combining marks")
    func seed() throws {
        let context = EvaluationContext(userType: Self.decomposed, customAttributes: ["unit": .string("\u{212A}")])
        let cases: [(String, Condition.Outcome)] = [
            ("user_type == 'caf\u{e9}'", .notMatched),
            ("user_type == 'cafe\u{301}'", .matched),
            ("user_type in ['caf\u{e9}']", .notMatched),
            ("'e' in user_type", .matched),
            ("user_type.startswith('cafe')", .matched),
            ("user_type.endswith('\u{301}')", .matched),
            ("user_type < 'caf\u{e9}'", .matched),
            ("'caf\u{e9}' < user_type", .notMatched),
            ("'caf\u{e9}' >= user_type", .matched),
            ("unit == 'K'", .notMatched),
            ("custom_attributes.get('\u{212A}') == None", .matched),
        ]
        for (source, expected) in cases {
            #expect(try Condition(parsing: source).evaluate(context) == expected, "\(source)")
        }
    }

    @Test("seed lower() applies final sigma, as Python's str.lower() does", arguments: [
        ("\u{39F}\u{394}\u{39F}\u{3A3}", "\u{3BF}\u{3B4}\u{3BF}\u{3C2}"),
        ("\u{3A3}", "\u{3C3}"),
        ("\u{391}\u{3A3}.", "\u{3B1}\u{3C2}."),
        ("\u{391}\u{3A3}'\u{391}", "\u{3B1}\u{3C3}'\u{3B1}"),
        ("\u{391}\u{3A3}\u{301}\u{391}", "\u{3B1}\u{3C3}\u{301}\u{3B1}"),
        ("a\u{3A3} b", "a\u{3C2} b"),
        ("\u{130}", "i\u{307}"),
        ("ABC-\u{C4}", "abc-\u{E4}"),
    ])
    func lower(text: String, expected: String) throws {
        let context = EvaluationContext(customAttributes: ["text": .string(text), "expected": .string(expected)])
        #expect(try Condition(parsing: "text.lower() == expected").evaluate(context) == .matched)
    }

    static func flagd(_ targeting: FlagValue) throws -> FlagSet {
        let flagd = FlagdFlagSet(flags: [
            FlagdFlag(key: "f", isEnabled: true, variants: [("on", .bool(true)), ("off", .bool(false)), (Self.composed, .string("composed"))],
                      defaultVariant: "off", targeting: try LogicExpression.compile(targeting)),
        ])
        return FlagSet(flagd: flagd, info: FlagSetInfo())
    }

    static func rule(_ name: String, _ arguments: FlagValue...) -> FlagValue { .object([name: .list(arguments)]) }

    @Test("flagd: ==, in, starts_with, ends_with, substr and the variant a rule names, on the fast path and off it")
    func flagd() throws {
        let userType = FlagValue.object(["var": .string("user_type")])
        let decomposedUser = EvaluationContext(userID: "u", userType: Self.decomposed)
        let composedUser = EvaluationContext(userID: "u", userType: Self.composed)
        // `{"if": [{"==": [{"var": "user_type"}, "café"]}, "on", "off"]}` takes the engine's fast path; the same test
        // inside an `or` goes through the interpreter. Both must tell the spellings apart.
        let fast = try Self.flagd(Self.rule("if", Self.rule("==", userType, .string(Self.composed)), .string("on"), .string("off")))
        let interpreted = try Self.flagd(Self.rule("if", Self.rule("or", Self.rule("==", userType, .string(Self.composed)), .bool(false)),
                                                   .string("on"), .string("off")))
        for set in [fast, interpreted] {
            #expect(set.evaluate("f", in: composedUser).variant == "on")
            #expect(set.evaluate("f", in: decomposedUser).variant == "off")
        }
        let cases: [(FlagValue, String)] = [
            (Self.rule("in", .string("e"), userType), "on"),
            (Self.rule("in", userType, .list([.string(Self.composed)])), "off"),
            (Self.rule("starts_with", userType, .string("cafe")), "on"),
            (Self.rule("ends_with", userType, .string("\u{301}")), "on"),
            (Self.rule("==", Self.rule("substr", userType, .int(4)), .string("\u{301}")), "on"),
            (Self.rule("===", userType, .string(Self.composed)), "off"),
        ]
        for (test, expected) in cases {
            let set = try Self.flagd(Self.rule("if", test, .string("on"), .string("off")))
            #expect(set.evaluate("f", in: decomposedUser).variant == expected, "\(test)")
        }
        // `targeting\u{212A}ey` (KELVIN SIGN) is canonically `targetingKey` to Swift, but an attribute of its own to flagd.
        let kelvin = "targeting\u{212A}ey"
        let byName = try Self.flagd(Self.rule("if", Self.rule("==", .object(["var": .string(kelvin)]), .string("u")), .string("on"), .string("off")))
        #expect(byName.evaluate("f", in: EvaluationContext(userID: "u")).variant == "off")
        #expect(byName.evaluate("f", in: EvaluationContext(userID: "x", customAttributes: [kelvin: .string("u")])).variant == "on")
        // A rule naming the variant `café` in the other spelling names no variant: the default, as flagd answers.
        let naming = try Self.flagd(userType)
        #expect(naming.evaluate("f", in: composedUser).variant == Self.composed)
        #expect(naming.evaluate("f", in: decomposedUser).variant == "off")
        #expect(naming.evaluate("f", in: decomposedUser).reason == .defaultValue)
    }

    @Test("Unleash: IN, NOT_IN, STR_*, caseInsensitive (final sigma), userWithId and overrides compare code points")
    func unleash() {
        let context = UnleashContext(userID: Self.decomposed, properties: ["word": "\u{39F}\u{394}\u{39F}\u{3A3}", "name": Self.decomposed])
        func holds(_ name: String, _ operation: UnleashConstraint.Operator, _ values: [String], caseInsensitive: Bool = false) -> Bool {
            UnleashConstraint(contextName: name, operation: operation, values: values, caseInsensitive: caseInsensitive)
                .holds(for: context, now: 0)
        }
        #expect(!holds("name", .in, [Self.composed]))
        #expect(holds("name", .notIn, [Self.composed]))
        #expect(!holds("name", .in, ["CAF\u{C9}"], caseInsensitive: true))
        #expect(holds("name", .in, ["CAFE\u{301}"], caseInsensitive: true))
        #expect(holds("name", .stringContains, ["e"]))
        #expect(holds("name", .stringStartsWith, ["cafe"]))
        #expect(holds("name", .stringEndsWith, ["\u{301}"]))
        #expect(holds("word", .in, ["\u{3BF}\u{3B4}\u{3BF}\u{3C2}"], caseInsensitive: true))
        #expect(!holds("word", .in, ["\u{3BF}\u{3B4}\u{3BF}\u{3C3}"], caseInsensitive: true))
        #expect(holds("word", .stringEndsWith, ["\u{3C2}"], caseInsensitive: true))

        let byUser = UnleashToggleSet(toggles: [
            UnleashToggle(name: "t", enabled: true, strategies: [UnleashStrategy(name: "userWithId", parameters: ["userIds": Self.composed])]),
        ])
        #expect(!byUser.evaluate("t", context: context, now: 0, random: { 1 }).enabled)
        #expect(byUser.evaluate("t", context: UnleashContext(userID: Self.composed), now: 0, random: { 1 }).enabled)

        let overridden = UnleashToggleSet(toggles: [
            UnleashToggle(name: "t", enabled: true, strategies: [UnleashStrategy(name: "default")], variants: [
                UnleashVariant(name: "a", weight: 0, overrides: [.init(contextName: "userId", values: [Self.composed])]),
                UnleashVariant(name: "b", weight: 100),
            ]),
        ])
        #expect(overridden.evaluate("t", context: context, now: 0, random: { 1 }).variant == "b")
        #expect(overridden.evaluate("t", context: UnleashContext(userID: Self.composed), now: 0, random: { 1 }).variant == "a")
    }
}
