import FlagConfig
import FlagEngine
import Testing

/// The flagd flag definition format: what it reads, and its errors with exact text at file:line:column.
@Suite("flagd files")
struct FlagdDecoderTests {
    static let example = """
        {
          "$schema": "https://flagd.dev/schema/v0/flags.json",
          "metadata": {"team": "checkout"},
          "flags": {
            "new-checkout": {
              "state": "ENABLED",
              "variants": {"on": true, "off": false},
              "defaultVariant": "off",
              "targeting": {"if": [{"$ref": "is_staff"}, "on", {"fractional": [["on", 25], ["off", 75]]}]},
              "metadata": {"owner": "payments"}
            },
            "color": {
              "state": "DISABLED",
              "variants": {"red": "#f00", "blue": "#00f"},
              "defaultVariant": "red"
            },
            "code-default": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": null}
          },
          "$evaluators": {"is_staff": {"ends_with": [{"var": "email"}, "@example.com"]}}
        }
        """

    @Test("a flagd file: flags in order, states, variants, null default, targeting with $ref resolved, metadata")
    func reads() throws {
        let (set, warnings) = try FlagdFileDecoder.decode(Self.example, file: "flags.flagd.json")
        #expect(warnings.isEmpty)
        #expect(set.keys == ["new-checkout", "color", "code-default"])
        #expect(set.metadata == ["team": .string("checkout")])
        let checkout = try #require(set.flags["new-checkout"])
        #expect(checkout.isEnabled && checkout.defaultVariant == "off" && checkout.metadata == ["owner": .string("payments")])
        #expect(checkout.variants.map(\.name) == ["on", "off"])
        #expect(checkout.targeting != nil)
        #expect(set.flags["color"]?.isEnabled == false)
        #expect(set.flags["code-default"]?.defaultVariant == nil)
        let staff = EvaluationContext(userID: "u1", customAttributes: ["email": .string("ana@example.com")])
        #expect(set.resolve("new-checkout", context: staff, now: 0) == FlagdResolution(variant: "on", value: .bool(true), reason: .targetingMatch))
    }

    @Test("errors, each at its file:line:column with its path", arguments: [
        (#"{"flags": {"f": {"state": "ON", "variants": {"a": 1}, "defaultVariant": "a"}}}"#,
         "f.json:1:27: flags.f.state: must be ENABLED or DISABLED, not \"ON\""),
        (#"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "b"}}}"#,
         "f.json:1:78: flags.f.defaultVariant: names no variant of this flag (variants: a)"),
        (#"{"flags": {"f": {"state": "ENABLED", "variants": {}, "defaultVariant": "a"}}}"#,
         "f.json:1:50: flags.f.variants: must be a non-empty object of variant values by name"),
        (#"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"if": [{"==": [1]}, "a"]}}}}"#,
         "f.json:1:111: flags.f.targeting.if[0].==: '==' takes 2 arguments, not 1"),
        (#"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"frac": []}}}}"#,
         "f.json:1:105: flags.f.targeting.frac: unknown operator 'frac'"),
        (#"{"flags": []}"#, "f.json:1:11: flags: must be an object of flags by key, not a list"),
        // Names are compared by code point, as flagd compares them; a miss by spelling alone says so.
        (#"{"flags": {"f": {"state": "ENABLED", "variants": {"\u00e9": 1}, "defaultVariant": "e\u0301"}}}"#,
         "f.json:1:83: flags.f.defaultVariant: names no variant of this flag (variants: \u{e9}); "
            + "'\u{e9}' (U+00E9) and 'e\u{301}' (U+0065 U+0301) are one name in two Unicode normalizations"),
        (#"{"flags": {"\u00e9": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"}, "e\u0301": {}}}"#,
         "f.json:1:89: keys '\u{e9}' (U+00E9) and 'e\u{301}' (U+0065 U+0301) are one name in two Unicode normalizations in the same mapping; rename one"),
        (#"{"flag": {}}"#, "f.json:1:1: missing `flags`"),
    ])
    func errors(text: String, message: String) {
        do {
            _ = try FlagdFileDecoder.decode(text, file: "f.json")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.diagnostics.filter { $0.severity == .error }.map { "\($0.location): \($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)" } == [message])
        }
    }

    @Test("unknown fields are warnings; a cycle of $refs is refused")
    func warningsAndCycles() throws {
        let (_, warnings) = try FlagdFileDecoder.decode(
            #"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "colour": 1}}}"#, file: "f.json")
        #expect(warnings.map(\.description).first?.hasPrefix(
            "f.json:1:83: warning: flags.f.colour: unknown field 'colour' (ignored; known: defaultVariant, metadata, state, targeting, variants)") == true)
        let cycle = #"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"$ref": "x"}}}, "$evaluators": {"x": {"$ref": "x"}}}"#
        #expect(throws: FlagConfigError.self) { try FlagdFileDecoder.decode(cycle, file: "f.json") }
    }

    /// flagd loads a rule whose own operators get the wrong number of arguments (they err at evaluation); `check`
    /// says so where it is.
    @Test("flagd's operators with the wrong argument count load, with a warning at the operator", arguments: [
        (#"{"if": [{"sem_ver": [{"var": "v"}, "="]}, "a"]}"#,
         "f.json:1:116: warning: flags.f.targeting.if[0].sem_ver: 'sem_ver' takes 3 arguments, not 2: it errs at every evaluation, so the flag gives its default variant"),
        (#"{"or": [false, {"ends_with": ["x"]}]}"#,
         "f.json:1:125: warning: flags.f.targeting.or[1].ends_with: 'ends_with' takes 2 arguments, not 1: it errs at every evaluation, so the flag gives its default variant"),
    ])
    func argumentCounts(targeting: String, warning: String) throws {
        let text = #"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": "# + targeting + "}}}"
        let (flagd, warnings) = try FlagdFileDecoder.decode(text, file: "f.json")
        #expect(warnings.map { $0.description.split(separator: "\n").first.map(String.init) ?? "" } == [warning])
        #expect(flagd.resolve("f", context: EvaluationContext(), now: 0).reason == .defaultValue)
    }

    /// flagd's schema makes `defaultVariant` optional; its testbed's `undefined-default-flag` resolves to the code
    /// default with reason DEFAULT, as `null` does.
    @Test("an absent defaultVariant is null: the caller's default")
    func absentDefaultVariant() throws {
        let (flagd, warnings) = try FlagdFileDecoder.decode(#"{"flags": {"f": {"state": "ENABLED", "variants": {"small": 10, "big": 1000}}}}"#, file: "f.json")
        #expect(warnings.isEmpty)
        #expect(flagd.flags["f"]?.defaultVariant == nil)
        let result = FlagSet(flagd: flagd, info: FlagSetInfo()).value("f", default: 100, in: EvaluationContext())
        #expect(result.value == 100 && result.reason == .defaultValue)
    }

    /// flagd loads a flag whose targeting names a missing evaluator and answers it PARSE_ERROR (flagd-testbed's
    /// "Ref to nonexistent evaluator yields parse error"); the rest of the file serves as usual.
    @Test("a $ref to a missing evaluator is a warning, and that flag answers PARSE_ERROR with the caller's default")
    func missingEvaluator() throws {
        let text = #"{"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"if": [{"$ref": "nope"}, "a"]}}, "g": {"state": "ENABLED", "variants": {"b": 2}, "defaultVariant": "b"}}}"#
        let (flagd, warnings) = try FlagdFileDecoder.decode(text, file: "f.json")
        #expect(warnings.map(\.description).contains { $0.hasPrefix(
            "f.json:1:113: warning: flags.f.targeting: $ref to 'nope' names no entry of $evaluators: the flag answers PARSE_ERROR (the caller's default), as flagd answers it") })
        #expect(flagd.resolve("f", context: EvaluationContext(), now: 0) == FlagdResolution(reason: .error, errorCode: .parseError))
        let set = FlagSet(flagd: flagd, info: FlagSetInfo())
        let result = set.evaluate("f", in: EvaluationContext())
        #expect(result.reason == .evaluationError && result.error == .parseError && result.value == .null)
        let typed = set.value("f", default: 7, in: EvaluationContext())
        #expect(typed.value == 7 && typed.error == .parseError)
        #expect(set.evaluate("g", in: EvaluationContext()).value == .int(2))
    }

    @Test("a $ref differing from an evaluator's name only in Unicode normalization names no evaluator, as in flagd")
    func referenceSpeltDifferently() throws {
        let text = #"{"$evaluators": {"\u00e9": {"==": [1, 1]}}, "flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"if": [{"$ref": "e\u0301"}, "a"]}}}}"#
        let (flagd, warnings) = try FlagdFileDecoder.decode(text, file: "f.json")
        #expect(warnings.map(\.description).contains { $0.hasPrefix(
            "f.json:1:156: warning: flags.f.targeting: $ref to 'e\u{301}' names no entry of $evaluators: the flag answers PARSE_ERROR "
                + "(the caller's default), as flagd answers it; '\u{e9}' (U+00E9) and 'e\u{301}' (U+0065 U+0301) are one name in two Unicode normalizations") })
        #expect(flagd.resolve("f", context: EvaluationContext(), now: 0) == FlagdResolution(reason: .error, errorCode: .parseError))
    }
}
