import FlagEngine
import Testing

/// Unleash toggles evaluated as the client specification says: constraints, strategies, segments, dependencies and
/// variant overrides. The bucketing itself is compared with Python's mmh3 in Murmur3VectorTests.
@Suite("Unleash evaluation")
struct UnleashTests {
    static let now = 1_767_225_600.0  // 2026-01-01T00:00:00Z
    static let context = UnleashContext(
        userID: "user-7", sessionID: "s-1", remoteAddress: "10.1.2.3", environment: "production", appName: "shop",
        properties: ["plan": "Pro", "version": "2.4.1", "seats": "12", "signup": "2025-06-01T00:00:00Z"])

    static func constraint(_ name: String, _ operation: UnleashConstraint.Operator, _ values: [String] = [], value: String? = nil,
                           caseInsensitive: Bool = false, inverted: Bool = false) -> UnleashConstraint {
        UnleashConstraint(contextName: name, operation: operation, values: values, value: value, caseInsensitive: caseInsensitive, inverted: inverted)
    }

    @Test("every constraint operator, caseInsensitive, inverted, and a missing value", arguments: [
        (constraint("userId", .in, ["user-7", "user-8"]), true),
        (constraint("userId", .notIn, ["user-7"]), false),
        (constraint("country", .notIn, ["NO"]), true),
        (constraint("country", .in, ["NO"]), false),
        (constraint("country", .in, ["NO"], inverted: true), true),
        (constraint("plan", .in, ["pro"]), false),
        (constraint("plan", .in, ["basic", "PRO"], caseInsensitive: true), true),
        (constraint("plan", .notIn, ["pRo"], caseInsensitive: true), false),
        (constraint("plan", .in, ["pro"], caseInsensitive: true, inverted: true), false),
        (constraint("plan", .notIn, ["pro"], caseInsensitive: true, inverted: true), true),
        (constraint("plan", .stringContains, ["ro"]), true),
        (constraint("plan", .stringStartsWith, ["pr"]), false),
        (constraint("plan", .stringStartsWith, ["pr"], caseInsensitive: true), true),
        (constraint("plan", .stringEndsWith, ["ro", "x"]), true),
        (constraint("plan", .stringEndsWith, ["ro"], inverted: true), false),
        (constraint("seats", .numberEqual, value: "12.0"), true),
        (constraint("seats", .numberGreater, value: "9"), true),
        (constraint("seats", .numberGreaterOrEqual, value: "12"), true),
        (constraint("seats", .numberLess, value: "12"), false),
        (constraint("seats", .numberLessOrEqual, value: "twelve"), false),
        (constraint("plan", .numberEqual, value: "1"), false),
        (constraint("signup", .dateBefore, value: "2025-07-01T00:00:00Z"), true),
        (constraint("signup", .dateAfter, value: "2025-07-01T00:00:00Z"), false),
        (constraint("currentTime", .dateAfter, value: "2025-12-31T23:59:59Z"), true),
        (constraint("version", .semVerGreater, value: "2.4.0"), true),
        (constraint("version", .semVerLess, value: "2.10.0"), true),
        (constraint("version", .semVerEqual, value: "2.4.1"), true),
        (constraint("version", .semVerEqual, value: "2.4"), false),
        (constraint("environment", .in, ["production"]), true),
        (constraint("appName", .stringStartsWith, ["sh"]), true),
        (constraint("remoteAddress", .inCIDR, ["10.1.2.3"]), true),
        (constraint("remoteAddress", .inCIDR, ["10.1.2.4", "10.1.3.0/24"]), false),
        (constraint("remoteAddress", .inCIDR, ["10.1.2.0/23"]), true),
        (constraint("remoteAddress", .inCIDR, ["10.1.invalid", "10.0.0.0/8"]), true),
        (constraint("remoteAddress", .inCIDR, ["10.1.invalid", "10.1.2.3/33"]), false),
        (constraint("remoteAddress", .inCIDR, ["::ffff:0:0/96"]), false),
        (constraint("remoteAddress", .inCIDR, ["10.0.0.0/8"], inverted: true), false),
        (constraint("sessionId", .inCIDR, ["0.0.0.0/0"]), false),
        (constraint("country", .inCIDR, ["0.0.0.0/0"]), false),
    ])
    func constraints(constraint: UnleashConstraint, holds: Bool) {
        #expect(constraint.holds(for: Self.context, now: Self.now) == holds, "\(constraint)")
    }

    @Test("semantic versions as semver.org's grammar has them: GTE and LTE, build metadata ignored, no leading v, no leading zeros",
          arguments: [
        ("2.4.1", UnleashConstraint.Operator.semVerGreaterOrEqual, "2.4.1", true),
        ("2.4.1", .semVerGreaterOrEqual, "2.4.2", false),
        ("2.4.1", .semVerLessOrEqual, "2.4.1", true),
        ("2.4.1", .semVerLessOrEqual, "2.4.0", false),
        ("2.4.1+build.7", .semVerEqual, "2.4.1", true),
        ("2.4.1+build.7", .semVerGreater, "2.4.1+build.6", false),
        ("2.4.1-rc.1+build", .semVerEqual, "2.4.1-rc.1", true),
        ("2.4.1-alpha", .semVerLess, "2.4.1-alpha.1", true),
        ("2.4.1-alpha.10", .semVerGreater, "2.4.1-alpha.9", true),
        ("2.4.1-rc.1", .semVerLess, "2.4.1", true),
        ("v2.4.1", .semVerEqual, "v2.4.1", false),
        ("2.4.1", .semVerEqual, "v2.4.1", false),
        ("02.4.1", .semVerLessOrEqual, "3.0.0", false),
        ("2.4.1-01", .semVerLessOrEqual, "3.0.0", false),
        ("2.4.1-", .semVerLessOrEqual, "3.0.0", false),
        ("2.4.1+", .semVerLessOrEqual, "3.0.0", false),
        ("2.4.1-rc_1", .semVerLessOrEqual, "3.0.0", false),
        (" 2.4.1", .semVerLessOrEqual, "3.0.0", false),
        ("2.4", .semVerLessOrEqual, "3.0.0", false),
        ("2.4.1.0", .semVerLessOrEqual, "3.0.0", false),
    ])
    func semanticVersions(contextValue: String, operation: UnleashConstraint.Operator, value: String, holds: Bool) {
        var context = Self.context
        context.properties["version"] = contextValue
        #expect(Self.constraint("version", operation, value: value).holds(for: context, now: Self.now) == holds)
    }

    @Test("an unknown operator is false")
    func unknownOperator() {
        #expect(!UnleashConstraint(contextName: "userId", operation: nil, values: ["user-7"]).holds(for: Self.context, now: Self.now))
    }

    /// The client specification's 16-case-insensitive-in-operators sends `{"properties": {"appName": "App"}}` to a
    /// constraint on `appName`: the SDKs read the field, else the property of that name.
    @Test("a constraint on a context field reads the property of that name when the field is not set", arguments: [
        (UnleashContext(properties: ["appName": "App"]), true),
        (UnleashContext(appName: "shop", properties: ["appName": "App"]), false),
        (UnleashContext(), false),
    ])
    func fieldFromProperties(context: UnleashContext, holds: Bool) {
        #expect(Self.constraint("appName", .in, ["app"], caseInsensitive: true).holds(for: context, now: Self.now) == holds)
    }

    static func set(_ toggles: UnleashToggle..., segments: [Int: [UnleashConstraint]] = [:]) -> UnleashToggleSet {
        UnleashToggleSet(toggles: toggles, segments: segments, hostname: "Web-01")
    }

    @Test("strategies: default, userWithId, remoteAddress (IPv4 and IPv6 CIDR), applicationHostname, random, unknown")
    func strategies() {
        func on(_ strategy: UnleashStrategy, _ context: UnleashContext = Self.context, random: UInt32 = 50) -> Bool {
            Self.set(UnleashToggle(name: "t", enabled: true, strategies: [strategy])).evaluate("t", context: context, now: Self.now, random: { random }).enabled
        }
        #expect(on(UnleashStrategy(name: "default")))
        #expect(on(UnleashStrategy(name: "userWithId", parameters: ["userIds": "user-1, user-7"])))
        #expect(!on(UnleashStrategy(name: "userWithId", parameters: ["userIds": "user-1,user-70"])))
        #expect(on(UnleashStrategy(name: "remoteAddress", parameters: ["IPs": "192.168.0.1, 10.0.0.0/8"])))
        #expect(!on(UnleashStrategy(name: "remoteAddress", parameters: ["IPs": "10.1.3.0/24"])))
        var v6 = Self.context
        v6.remoteAddress = "2001:db8::42"
        #expect(on(UnleashStrategy(name: "remoteAddress", parameters: ["IPs": "2001:db8::/32"]), v6))
        #expect(on(UnleashStrategy(name: "applicationHostname", parameters: ["hostNames": "web-01,web-02"])))
        #expect(on(UnleashStrategy(name: "gradualRolloutRandom", parameters: ["percentage": "50"]), random: 50))
        #expect(!on(UnleashStrategy(name: "gradualRolloutRandom", parameters: ["percentage": "50"]), random: 51))
        #expect(!on(UnleashStrategy(name: "flexibleRollout", parameters: ["rollout": "0"])))
        #expect(on(UnleashStrategy(name: "flexibleRollout", parameters: ["rollout": "100", "stickiness": "sessionId"])))
        #expect(!on(UnleashStrategy(name: "flexibleRollout", parameters: ["rollout": "100", "stickiness": "tenant"])))
        #expect(!on(UnleashStrategy(name: "gradualRolloutUserId", parameters: ["percentage": "100"]), UnleashContext()))
        #expect(!on(UnleashStrategy(name: "somethingCustom")))
        // Constraints gate a strategy; a toggle without strategies is on; a disabled toggle is off.
        #expect(!on(UnleashStrategy(name: "default", constraints: [Self.constraint("plan", .in, ["Free"])])))
        #expect(Self.set(UnleashToggle(name: "t", enabled: true)).evaluate("t", context: Self.context, now: Self.now).enabled)
        #expect(!Self.set(UnleashToggle(name: "t", enabled: false, strategies: [UnleashStrategy(name: "default")]))
            .evaluate("t", context: Self.context, now: Self.now).enabled)
        #expect(Self.set().evaluate("nope", context: Self.context, now: Self.now) == UnleashResult(enabled: false, notFound: true))
    }

    @Test("segments: all their constraints must hold; a segment the payload lacks fails the strategy")
    func segments() {
        let strategy = UnleashStrategy(name: "default", segments: [1])
        let pro = Self.set(UnleashToggle(name: "t", enabled: true, strategies: [strategy]), segments: [1: [Self.constraint("plan", .in, ["Pro"])]])
        #expect(pro.evaluate("t", context: Self.context, now: Self.now).enabled)
        let free = Self.set(UnleashToggle(name: "t", enabled: true, strategies: [strategy]), segments: [1: [Self.constraint("plan", .in, ["Free"])]])
        #expect(!free.evaluate("t", context: Self.context, now: Self.now).enabled)
        #expect(!Self.set(UnleashToggle(name: "t", enabled: true, strategies: [strategy])).evaluate("t", context: Self.context, now: Self.now).enabled)
    }

    @Test("dependencies: parent enabled (with one of its variants), parent disabled, missing parent, one level only")
    func dependencies() {
        let parent = UnleashToggle(name: "parent", enabled: true, variants: [UnleashVariant(name: "v1", weight: 1)])
        let off = UnleashToggle(name: "off", enabled: false)
        func child(_ dependency: UnleashDependency) -> Bool {
            let toggle = UnleashToggle(name: "child", enabled: true, dependencies: [dependency])
            let grand = UnleashToggle(name: "grandparent-child", enabled: true, dependencies: [UnleashDependency(feature: "child")])
            return Self.set(parent, off, toggle, grand).evaluate("child", context: Self.context, now: Self.now).enabled
        }
        #expect(child(UnleashDependency(feature: "parent")))
        #expect(child(UnleashDependency(feature: "parent", variants: ["v1"])))
        #expect(!child(UnleashDependency(feature: "parent", variants: ["v2"])))
        #expect(child(UnleashDependency(feature: "off", enabled: false)))
        #expect(!child(UnleashDependency(feature: "off")))
        #expect(!child(UnleashDependency(feature: "missing")))
        #expect(!child(UnleashDependency(feature: "grandparent-child")), "a parent with dependencies of its own")
    }

    @Test("variants: overrides win, then the bucket; payloads ride along; no variants is `disabled` with the toggle on")
    func variants() {
        let variants = [
            UnleashVariant(name: "a", weight: 500, payload: .object(["type": .string("string"), "value": .string("A")])),
            UnleashVariant(name: "b", weight: 500, overrides: [.init(contextName: "userId", values: ["user-7"])]),
        ]
        let set = Self.set(UnleashToggle(name: "t", enabled: true, variants: variants), UnleashToggle(name: "plain", enabled: true))
        #expect(set.evaluate("t", context: Self.context, now: Self.now) == UnleashResult(enabled: true, variant: "b", variantEnabled: true))
        let other = set.evaluate("t", context: UnleashContext(userID: "user-1"), now: Self.now)
        let target = Murmur3.hash32("t:user-1", seed: 86_028_157) % 1000 + 1
        #expect(other.variant == (target <= 500 ? "a" : "b"))
        #expect(set.evaluate("plain", context: Self.context, now: Self.now) == UnleashResult(enabled: true))
    }

    @Test("the exporter's context maps to Unleash's: userId, named fields, properties")
    func contextMapping() {
        let context = EvaluationContext(userID: "u", environment: "staging", customAttributes: [
            "sessionId": .string("s"), "remoteAddress": .string("10.0.0.1"), "appName": .string("shop"),
            "currentTime": .string("2026-01-01T00:00:00Z"), "plan": .string("pro"), "seats": .int(3),
            "properties": .object(["tier": .string("gold"), "plan": .string("free")]),
        ])
        // The context's own member wins over `properties`, every time (the attributes' order is arbitrary).
        #expect(UnleashContext(context) == UnleashContext(
            userID: "u", sessionID: "s", remoteAddress: "10.0.0.1", environment: "staging", appName: "shop",
            currentTime: Self.now, properties: ["plan": "pro", "seats": "3", "tier": "gold"]))
    }
}
