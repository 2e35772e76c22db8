import FlagEngine
import Testing

/// Prerequisites of any shape the loader accepts are evaluated in bounded stack and time; shapes it cannot bound
/// are refused with their place.
@Suite("Prerequisites: bounded by construction")
struct PrerequisiteTests {
    /// `count` flags, flag i depending on flags i+1 ... i+fanOut (those that exist).
    static func ladder(_ count: Int, fanOut: Int) -> [FlagDefinition] {
        (0..<count).map { index in
            TestFlags.flag(
                "f\(index)", rollout: Rollout(strategy: .percentage(90)),
                rules: [TestFlags.rule("admins", "user_type == 'admin'")],
                dependencies: (1...fanOut).map { index + $0 }.filter { $0 < count }.map { "f\($0)" })
        }
    }

    static func issues(_ flags: [FlagDefinition]) -> [String] {
        do {
            _ = try FlagSet(flags: flags)
            return []
        } catch {
            return error.issues.map { "\(formatConfigPath($0.path)): \($0.message)" }
        }
    }

    @Test("a chain as deep as the limit loads; one deeper is refused once, at the flag that crosses it")
    func depthLimit() {
        let limit = DependencyGraph.maximumDepth
        #expect(Self.issues(Self.ladder(limit + 1, fanOut: 1)).isEmpty)
        #expect(Self.issues(Self.ladder(limit + 2, fanOut: 1)) == [
            "flags.f0.dependencies: prerequisites nest 33 deep (f0 -> f1 -> f2 -> … -> f33), deeper than the limit of 32"
        ])
    }

    @Test("a chain of 28,000 flags is refused without exhausting the stack, with one error per crossing")
    func longChain() {
        let issues = Self.issues(Self.ladder(28_000, fanOut: 1))
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("flags.f27966.dependencies: prerequisites nest 33 deep") == true, "\(issues.first ?? "")")
    }

    @Test("a cycle far down a long path is found without recursion")
    func deepCycle() {
        var flags = Self.ladder(40_000, fanOut: 1)
        flags[39_999].dependencies = ["f39990"]
        #expect(Self.issues(flags).first?.contains("dependency cycle: f39990 -> f39991") == true)
    }

    @Test("30 flags each depending on the next two evaluate each flag once: 2^29 paths, 30 evaluations")
    func sharedPrerequisites() throws {
        let set = try FlagSet(flags: Self.ladder(30, fanOut: 2))
        // Without memoisation this is over half a billion evaluations and does not finish.
        for id in 0..<200 {
            let outcome = set.evaluate("f0", in: TestFlags.user("user-\(id)"))
            #expect([.rolloutMatch, .defaultValue, .prerequisiteFailed].contains(outcome.reason))
        }
    }

    /// The evaluation the seed defines, written the obvious recursive way: a flag is disabled, or its prerequisites
    /// each serve a truthy value (else PREREQUISITE_FAILED with the default), or its own rules and rollout decide.
    static func reference(_ key: String, _ flags: [String: FlagDefinition], _ context: EvaluationContext) -> EvaluationResult {
        let flag = flags[key]!
        let alone = try! FlagSet(flags: [
            FlagDefinition(
                key: flag.key, state: flag.state, defaultVariant: flag.defaultVariant, variants: flag.variants,
                rollout: flag.rollout, targetingRules: flag.targetingRules)
        ])
        if flag.state == .disabled { return alone.evaluate(key, in: context) }
        for prerequisite in flag.prerequisites {
            let served = reference(prerequisite, flags, context)
            if !served.value.isTruthy {
                var failed = alone.evaluate(key, in: EvaluationContext())
                failed.reason = .prerequisiteFailed
                failed.variant = flag.defaultVariant
                failed.value = flag.variants.first { $0.name == flag.defaultVariant }!.value
                return failed
            }
        }
        return alone.evaluate(key, in: context)
    }

    @Test("on random graphs the iterative, memoised evaluation serves exactly what the recursive definition does")
    func matchesRecursiveDefinition() throws {
        var generator = SplitMix64(seed: 42)
        for round in 0..<40 {
            let count = 12
            var flags: [FlagDefinition] = []
            for index in 0..<count {
                let dependencies = ((index + 1)..<count).filter { _ in generator.next() % 3 == 0 }.prefix(3).map { "g\($0)" }
                let state: FlagState = [.rollout, .rollout, .enabled, .disabled][Int(generator.next() % 4)]
                flags.append(
                    TestFlags.flag(
                        "g\(index)", state: state, rollout: Rollout(strategy: .percentage(Double(generator.next() % 101))),
                        rules: generator.next() % 2 == 0 ? [TestFlags.rule("admins", "user_type == 'admin'", "off")] : [],
                        dependencies: dependencies))
            }
            let set = try FlagSet(flags: flags)
            let byKey = Dictionary(uniqueKeysWithValues: flags.map { ($0.key, $0) })
            for user in 0..<25 {
                let context = TestFlags.user("u\(round)-\(user)", type: user % 5 == 0 ? "admin" : "user")
                for flag in flags {
                    let ours = set.evaluate(flag.key, in: context)
                    let expected = Self.reference(flag.key, byKey, context)
                    #expect(ours.variant == expected.variant && ours.reason == expected.reason, "round \(round) \(flag.key) \(flag.state) deps \(flag.dependencies): ours \(ours.variant) \(ours.reason) expected \(expected.variant) \(expected.reason)")
                }
            }
        }
    }
}

/// A small deterministic generator, so a failure repeats.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
