import FlagEngine
import Testing

@Suite("Rollout strategies")
struct StrategyTests {
    @Test("user_list hits exactly the listed ids")
    func userList() {
        let set = TestFlags.set(TestFlags.flag("l", rollout: Rollout(strategy: .userList(["admin001", "bob"]))))
        #expect(set.evaluate("l", in: TestFlags.user("admin001")).reason == .rolloutMatch)
        #expect(set.evaluate("l", in: TestFlags.user("admin0011")).reason == .defaultValue)
        #expect(set.evaluate("l", in: TestFlags.user("Bob")).reason == .defaultValue)
    }

    @Test("user_list compares ids byte for byte, as Python's `in` did, over a long list")
    func userListBytes() {
        let precomposed = "jos\u{E9}"
        let decomposed = "jose\u{301}"
        let ids = (0..<5_000).map { "user-\($0)" } + [precomposed, "", "zz"]
        let set = TestFlags.set(TestFlags.flag("l", rollout: Rollout(strategy: .userList(ids.shuffled()))))
        #expect(precomposed == decomposed, "Swift calls them equal; the seed did not")
        #expect(set.evaluate("l", in: TestFlags.user(precomposed)).reason == .rolloutMatch)
        #expect(set.evaluate("l", in: TestFlags.user(decomposed)).reason == .defaultValue)
        for id in ["user-0", "user-4999", "user-2500", "", "zz"] {
            #expect(set.evaluate("l", in: TestFlags.user(id)).reason == .rolloutMatch, "\(id)")
        }
        for id in ["user-5000", "user-", "a", "zzz"] {
            #expect(set.evaluate("l", in: TestFlags.user(id)).reason == .defaultValue, "\(id)")
        }
    }

    @Test("user_list membership equals byte equality for ids sharing prefixes, multi-byte and empty, in lists of 0 to 300")
    func userListAgainstBytes() {
        let alphabet: [String] = ["a", "b", "\u{E9}", "e\u{301}", "\u{1F600}", "-", "0"]
        var generator = SystemRandomNumberGenerator()
        func randomID() -> String {
            (0..<Int.random(in: 0...4, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
        }
        for size in [0, 1, 2, 3, 17, 300] {
            let ids = (0..<size).map { _ in randomID() }
            let set = TestFlags.set(TestFlags.flag("l", rollout: Rollout(strategy: .userList(ids))))
            let members = Set(ids.map { Array($0.utf8) })
            for probe in ids + (0..<300).map({ _ in randomID() }) {
                let expected: EvaluationReason = members.contains(Array(probe.utf8)) ? .rolloutMatch : .defaultValue
                guard set.evaluate("l", in: TestFlags.user(probe)).reason == expected else {
                    Issue.record("\(Array(probe.utf8)) in a list of \(size): expected \(expected)")
                    return
                }
            }
        }
    }

    @Test("bucket_by buckets on another attribute")
    func bucketBy() {
        let set = TestFlags.set(
            TestFlags.flag("o", rollout: Rollout(strategy: .userList(["acme"]), bucketBy: "org")),
            TestFlags.flag("n", rollout: Rollout(strategy: .userList(["42"]), bucketBy: "org")))
        #expect(set.evaluate("o", in: TestFlags.user("u", ["org": .string("acme")])).reason == .rolloutMatch)
        #expect(set.evaluate("o", in: TestFlags.user("u")).reason == .defaultValue)
        #expect(set.evaluate("n", in: TestFlags.user(nil, ["org": .int(42)])).reason == .rolloutMatch)
    }

    @Test("gradual interpolates linearly and clamps outside the window")
    func gradualLinear() {
        let schedule = GradualSchedule.linear(start: 1000, end: 2000, startPercentage: 10, endPercentage: 90)
        #expect(schedule.percentage(at: 0) == 10)
        #expect(schedule.percentage(at: 1500) == 50)
        #expect(schedule.percentage(at: 5000) == 90)
        let steps = GradualSchedule.steps([.init(at: 100, percentage: 5), .init(at: 200, percentage: 50)])
        #expect(steps.percentage(at: 50) == 0)
        #expect(steps.percentage(at: 150) == 5)
        #expect(steps.percentage(at: 250) == 50)
    }

    @Test("a user who is in a gradual rollout stays in as the percentage grows")
    func gradualMonotonic() {
        let set = TestFlags.set(
            TestFlags.flag(
                "g",
                rollout: Rollout(
                    strategy: .gradual(.linear(start: 0, end: 100, startPercentage: 0, endPercentage: 100)))))
        var previouslyIn = Set<Int>()
        for time in stride(from: 0.0, through: 100, by: 5) {
            var nowIn = Set<Int>()
            for user in 0..<2000
            where set.evaluate("g", in: TestFlags.user("user-\(user)"), clock: .fixed(time)).reason == .rolloutMatch {
                nowIn.insert(user)
            }
            #expect(previouslyIn.isSubset(of: nowIn))
            previouslyIn = nowIn
        }
        #expect(previouslyIn.count == 2000)
    }

    @Test("a context timestamp evaluates the gradual rollout at that time")
    func gradualTimestamp() {
        let set = TestFlags.set(
            TestFlags.flag(
                "g",
                rollout: Rollout(strategy: .gradual(.linear(start: 0, end: 10, startPercentage: 0, endPercentage: 100)))))
        var context = TestFlags.user("u")
        context.timestamp = 20
        #expect(set.evaluate("g", in: context, clock: .fixed(0)).reason == .rolloutMatch)
    }

    @Test("split shares stay within ±0.5% of the weights over 200k ids, and every id gets a variant")
    func splitShares() {
        let variants = [
            Variant(name: "control", value: .string("c")), Variant(name: "treatment", value: .string("t")),
            Variant(name: "holdout", value: .string("h")), Variant(name: "off", value: .bool(false)),
        ]
        let weights = [
            SplitWeight(variant: "control", weight: 50), SplitWeight(variant: "treatment", weight: 30),
            SplitWeight(variant: "holdout", weight: 20),
        ]
        let set = TestFlags.set(TestFlags.flag("s", variants: variants, rollout: Rollout(strategy: .split(weights))))
        var counts: [String: Int] = [:]
        let total = 200_000
        for user in 0..<total {
            let result = set.evaluate("s", in: TestFlags.user("user-\(user)"))
            #expect(result.reason == .split)
            counts[result.variant, default: 0] += 1
        }
        for weight in weights {
            let share = Double(counts[weight.variant, default: 0]) / Double(total)
            #expect(abs(share - weight.weight / 100) <= 0.005, "\(weight.variant): \(share)")
        }
    }

    @Test("non-sticky percentage buckets are drawn per evaluation")
    func nonSticky() {
        let set = TestFlags.set(TestFlags.flag("r", rollout: Rollout(strategy: .percentage(50), sticky: false)))
        let outcomes = Set((0..<200).map { _ in set.evaluate("r", in: TestFlags.user("same")).reason })
        #expect(outcomes == [.rolloutMatch, .defaultValue])
    }

    @Test("global.default_rollout_percentage applies to a rollout flag without a rollout section")
    func defaultPercentage() throws {
        let set = try FlagSet(
            flags: [TestFlags.flag("d")], settings: GlobalSettings(defaultRolloutPercentage: 100))
        #expect(set.evaluate("d", in: TestFlags.user("u")).reason == .rolloutMatch)
        #expect(set.effectivePercentage(ofFlagAt: 0, at: 0) == 100)
    }
}

@Suite("Validation when building a FlagSet")
struct ValidationTests {
    func issues(_ flags: [FlagDefinition]) -> [FlagSetValidationError.Issue] {
        do {
            _ = try FlagSet(flags: flags)
            return []
        } catch {
            return error.issues
        }
    }

    @Test("dependency cycles are refused, naming the cycle")
    func cycles() {
        let found = issues([
            TestFlags.flag("a", dependencies: ["b"]), TestFlags.flag("b", parent: "c"),
            TestFlags.flag("c", dependencies: ["a"]), TestFlags.flag("self", dependencies: ["self"]),
        ])
        #expect(found.count == 2)
        #expect(found.contains { $0.message == "dependency cycle: a -> b -> c -> a" })
        #expect(found.contains { $0.message == "dependency cycle: self -> self" })
    }

    @Test("unknown variants, dependencies, bad percentages, weights and schedules are refused with their paths")
    func references() {
        let found = issues([
            TestFlags.flag("v", defaultVariant: "nope"),
            TestFlags.flag("d", dependencies: ["ghost"]),
            TestFlags.flag("p", rollout: Rollout(strategy: .percentage(140))),
            TestFlags.flag("w", rollout: Rollout(strategy: .split([SplitWeight(variant: "on", weight: 0)]))),
            TestFlags.flag("g", rollout: Rollout(strategy: .gradual(.linear(start: 10, end: 5, startPercentage: 0, endPercentage: 1)))),
            TestFlags.flag("r", rules: [TestFlags.rule("x", "True", "missing")]),
            TestFlags.flag("bad key!"),
        ])
        let paths = Set(found.map { formatConfigPath($0.path) })
        #expect(paths.contains("flags.v.default_variant"))
        #expect(paths.contains("flags.d.dependencies[0]"))
        #expect(paths.contains("flags.p.rollout.percentage"))
        #expect(found.contains { $0.message == "140 is not in 0...100" })
        #expect(paths.contains("flags.w.rollout.distribution.on"))
        #expect(paths.contains("flags.g.rollout.gradual.end_time"))
        #expect(paths.contains("flags.r.targeting_rules[0].variant"))
        #expect(paths.contains("flags.bad key!"))
    }

    @Test("duplicate keys are refused")
    func duplicates() {
        #expect(issues([TestFlags.flag("a"), TestFlags.flag("a")]).map(\.message) == ["duplicate flag key 'a'"])
    }
}
