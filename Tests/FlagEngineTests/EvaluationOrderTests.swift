import FlagEngine
import Testing

@Suite("Evaluation order and reasons (docs/configuration.md, Evaluation)")
struct EvaluationOrderTests {
    @Test("an unknown key returns the caller's default with FLAG_NOT_FOUND and variant 'default'")
    func flagNotFound() {
        let result = FlagSet.empty.evaluate("missing", in: TestFlags.user("u"), defaultValue: .string("fallback"))
        #expect(result.reason == .flagNotFound)
        #expect(result.variant == "default")
        #expect(result.value == .string("fallback"))
        #expect(result.error == .flagNotFound)
    }

    @Test("a disabled flag serves its default and never consults rules")
    func disabled() {
        let set = TestFlags.set(
            TestFlags.flag("d", state: .disabled, rules: [TestFlags.rule("all", "True", priority: 100)]))
        let result = set.evaluate("d", in: TestFlags.user("u"))
        #expect(result.reason == .flagDisabled)
        #expect(result.variant == "off")
        #expect(result.rule == nil)
    }

    @Test("a failed dependency gives PREREQUISITE_FAILED before any rule, for dependencies and parent_flag")
    func prerequisites() {
        let parent = TestFlags.flag("parent", state: .disabled)
        let viaDependencies = TestFlags.flag(
            "child", state: .enabled, rules: [TestFlags.rule("admin", "user_type == 'admin'")], dependencies: ["parent"])
        let viaParent = TestFlags.flag("child2", state: .enabled, parent: "parent")
        let set = TestFlags.set(parent, viaDependencies, viaParent)
        let admin = TestFlags.user("u", type: "admin")
        #expect(set.evaluate("child", in: admin).reason == .prerequisiteFailed)
        #expect(set.evaluate("child", in: admin).variant == "off")
        #expect(set.evaluate("child2", in: admin).reason == .prerequisiteFailed)

        let enabledParent = TestFlags.set(
            TestFlags.flag("parent", state: .enabled), viaDependencies, viaParent)
        #expect(enabledParent.evaluate("child", in: admin).reason == .targetingMatch)
        #expect(enabledParent.evaluate("child2", in: admin).reason == .staticValue)
    }

    @Test("a dependency that serves a falsy non-default value also fails")
    func falsyDependency() {
        let parent = TestFlags.flag(
            "parent", state: .enabled, variants: [Variant(name: "zero", value: .int(0)), Variant(name: "off", value: .bool(false))])
        let set = TestFlags.set(parent, TestFlags.flag("child", state: .enabled, dependencies: ["parent"]))
        #expect(set.evaluate("parent", in: TestFlags.user("u")).variant == "zero")
        #expect(set.evaluate("child", in: TestFlags.user("u")).reason == .prerequisiteFailed)
    }

    @Test("rules run by priority descending; ties keep file order")
    func rulePriority() {
        let variants = [
            Variant(name: "a", value: .string("a")), Variant(name: "b", value: .string("b")),
            Variant(name: "c", value: .string("c")), Variant(name: "off", value: .bool(false)),
        ]
        let set = TestFlags.set(
            TestFlags.flag(
                "r", state: .enabled, variants: variants,
                rules: [
                    TestFlags.rule("low", "True", "a", priority: 1),
                    TestFlags.rule("tie_first", "True", "b", priority: 50),
                    TestFlags.rule("tie_second", "True", "c", priority: 50),
                ]))
        let result = set.evaluate("r", in: TestFlags.user("u"))
        #expect(result.reason == .targetingMatch)
        #expect(result.rule == "tie_first")
        #expect(result.variant == "b")
    }

    @Test("an enabled flag serves rollout.variant, else 'on', else the first non-default variant: STATIC")
    func enabledVariant() {
        let plain = TestFlags.flag("e1", state: .enabled)
        let chosen = TestFlags.flag(
            "e2", state: .enabled, variants: TestFlags.onOff + [Variant(name: "x", value: .int(3))],
            rollout: Rollout(strategy: .percentage(0), variant: "x"))
        let noOn = TestFlags.flag(
            "e3", state: .enabled,
            variants: [Variant(name: "off", value: .bool(false)), Variant(name: "dev", value: .string("development"))])
        let set = TestFlags.set(plain, chosen, noOn)
        #expect(set.evaluate("e1", in: TestFlags.user(nil)).variant == "on")
        #expect(set.evaluate("e1", in: TestFlags.user(nil)).reason == .staticValue)
        #expect(set.evaluate("e2", in: TestFlags.user(nil)).variant == "x")
        #expect(set.evaluate("e3", in: TestFlags.user(nil)).variant == "dev")
    }

    @Test("a percentage hit is ROLLOUT_MATCH, a miss DEFAULT with outcome out, no user id never hits")
    func percentage() {
        let set = TestFlags.set(
            TestFlags.flag("all", rollout: Rollout(strategy: .percentage(100))),
            TestFlags.flag("none", rollout: Rollout(strategy: .percentage(0))))
        #expect(set.evaluate("all", in: TestFlags.user("u")).reason == .rolloutMatch)
        #expect(set.evaluate("all", in: TestFlags.user("u")).rolloutOutcome == .hit)
        let miss = set.evaluate("none", in: TestFlags.user("u"))
        #expect(miss.reason == .defaultValue)
        #expect(miss.rolloutOutcome == .miss)
        let anonymous = set.evaluate("all", in: TestFlags.user(nil))
        #expect(anonymous.reason == .defaultValue)
        #expect(anonymous.rolloutOutcome == nil)
    }

    @Test("a type mismatch in a condition makes the rule false and counts one error")
    func conditionError() {
        let set = TestFlags.set(
            TestFlags.flag(
                "t", rollout: Rollout(strategy: .percentage(0)),
                rules: [TestFlags.rule("broken", "age > 'x'", priority: 10), TestFlags.rule("ok", "user_id == 'u'")]))
        let result = set.evaluate("t", in: TestFlags.user("u", ["age": .int(5)]))
        #expect(result.reason == .targetingMatch)
        #expect(result.rule == "ok")
        #expect(result.conditionErrors == 1)
    }

    @Test("typed values: the right type passes, another type is EVALUATION_ERROR with TYPE_MISMATCH and the default")
    func typedValues() {
        let set = TestFlags.set(TestFlags.flag("b", state: .enabled))
        let context = TestFlags.user("u")
        #expect(set.value("b", default: false, in: context).value == true)
        let mismatch = set.value("b", default: "fallback", in: context)
        #expect(mismatch.value == "fallback")
        #expect(mismatch.reason == .evaluationError)
        #expect(mismatch.error == .typeMismatch)
        #expect(set.isEnabled("b", in: context))
        #expect(!set.isEnabled("missing", in: context))
        #expect(set.variant("b", in: context) == "on")
        #expect(set.value("missing", default: 7, in: context).reason == .flagNotFound)
    }

    @Test("truthiness follows Python", arguments: [
        (FlagValue.bool(false), false), (.int(0), false), (.double(0), false), (.string(""), false), (.null, false),
        (.list([]), false), (.object([:]), false), (.bool(true), true), (.int(2), true), (.string("off"), true),
        (.list([.null]), true),
    ])
    func truthiness(value: FlagValue, expected: Bool) {
        #expect(value.isTruthy == expected)
    }
}
