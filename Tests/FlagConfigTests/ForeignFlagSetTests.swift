import FlagConfig
import Settings
import FlagEngine
import Testing

/// flagd files and Unleash payloads loaded as ``FlagSet``s: every answer is the one their own engine gives
/// (``FlagdFlagSet/resolve(_:context:now:)``, ``UnleashToggleSet/evaluate(_:context:now:random:)``), reported in the
/// exporter's terms, with the rollout reached and the configured shares that metrics and SRM read.
@Suite("flagd and Unleash behind FlagSet")
struct ForeignFlagSetTests {
    /// Rule shapes the plan compiles (if chains, fractional with and without bucketBy, field comparisons) and ones it
    /// leaves to the interpreter (nested ifs, computed branches, var with a default, a non-text comparison).
    static let flagdFile = """
        {"$schema": "https://flagd.dev/schema/v0/flags.json", "metadata": {"version": "7", "team": "web"},
         "flags": {
          "plain": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"},
          "split": {"state": "ENABLED", "variants": {"a": "A", "b": "B", "c": "C"}, "defaultVariant": "a",
                    "targeting": {"fractional": [["a", 50], ["b", 30], ["c", 20]]}},
          "keyed": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
                    "targeting": {"if": [{"==": [{"var": "user_type"}, "admin"]}, "on",
                                         {"===": ["beta", {"var": "plan"}]}, "off",
                                         {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "email"}]}, ["on", 25], ["off", 75], ["gone", 10]]}]}},
          "fast": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
                   "targeting": {"if": [{"==": [{"var": "user_type"}, "admin"]}, "on", {"==": ["beta", {"var": "environment"}]}, "off",
                                        {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "targetingKey"}]}, ["on", 25], ["off", 75]]}]}},
          "general": {"state": "ENABLED", "variants": {"on": true, "off": false, "true": 1}, "defaultVariant": "off",
                      "targeting": {"if": [{"in": ["@example.com", {"var": ["email", ""]}]},
                                           {"if": [{">": [{"var": "age"}, 30]}, "on", "off"]}, {"<": [{"var": "age"}, 18]}]}},
          "numbers": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
                      "targeting": {"if": [{"==": [{"var": "plan"}, "1"]}, "on", null]}},
          "nulldefault": {"state": "ENABLED", "variants": {"on": true}, "defaultVariant": null,
                          "targeting": {"if": [{"==": [{"var": "plan"}, "pro"]}, "on", "unknown"]}},
          "off": {"state": "DISABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"}
        }}
        """

    static func contexts() -> [EvaluationContext] {
        let emails: [AttributeValue?] = [nil, .string("x@example.com"), .string("y@other.org"), .int(3), .null]
        let plans: [AttributeValue?] = [nil, .string("beta"), .string("pro"), .string("1"), .int(1), .bool(true)]
        var result: [EvaluationContext] = []
        for index in 0..<1_200 {
            var context = EvaluationContext(userID: index % 13 == 0 ? nil : "user-\(index)",
                                            userType: index % 7 == 0 ? "admin" : index % 11 == 0 ? nil : "user",
                                            environment: index % 17 == 0 ? "beta" : index % 3 == 0 ? nil : "production")
            // A well-known field given as an attribute instead (the fast path hands these to the interpreter).
            if index % 19 == 0 { context.customAttributes["user_type"] = .string("admin") }
            if let email = emails[index % emails.count] { context.customAttributes["email"] = email }
            if let plan = plans[(index / 5) % plans.count] { context.customAttributes["plan"] = plan }
            context.customAttributes["age"] = .int(index % 60)
            result.append(context)
        }
        return result
    }

    @Test("flagd: every flag answers as flagd resolves it, over 1,200 contexts and every rule shape")
    func flagdParity() throws {
        let decoded = try FlagdFileDecoder.decode(Self.flagdFile, file: "f.json").flagSet
        let set = FlagSet(flagd: decoded, info: FlagSetInfo())
        #expect(set.format == .flagd)
        for context in Self.contexts() {
            for key in decoded.keys {
                let expected = decoded.resolve(key, context: context, now: 0)
                let index = try #require(set.index(of: key))
                let outcome = set.evaluate(flagAt: index, in: context)
                let result = set.result(for: outcome)
                if let variant = expected.variant {
                    #expect(result.variant == variant && result.value == expected.value, "\(key) \(context) \(result.variant) \(variant)")
                    #expect(!set.servesCodeDefault(outcome))
                } else {
                    #expect(set.servesCodeDefault(outcome) && result.variant == FlagSet.codeDefaultVariant, "\(key) \(context)")
                }
                let reason: EvaluationReason = switch expected.reason {
                case .staticValue: .staticValue
                case .targetingMatch: outcome.rolloutOutcome == .hit ? .split : .targetingMatch
                case .defaultValue: .defaultValue
                case .disabled: .flagDisabled
                case .error: .evaluationError
                }
                #expect(outcome.reason == reason, "\(key) \(context)")
            }
        }
    }

    @Test("flagd: a fractional pick is SPLIT with the rollout reached and its bucket; the configured weights are the split")
    func flagdRollout() throws {
        let set = FlagSet(flagd: try FlagdFileDecoder.decode(Self.flagdFile, file: "f.json").flagSet, info: FlagSetInfo())
        let keyed = try #require(set.definition("keyed"))
        #expect(keyed.state == .rollout)
        guard case .split(let weights)? = keyed.rollout?.strategy else { Issue.record("no split"); return }
        // `gone` names no variant: not a configured share (users drawn there get the default, DEFAULT).
        #expect(weights == [SplitWeight(variant: "on", weight: 25), SplitWeight(variant: "off", weight: 75)])
        #expect(set.definition("plain")?.state == .enabled && set.definition("general")?.state == .enabled)
        #expect(set.definition("off")?.state == .disabled)
        #expect(set.definition("off")?.variants.map(\.name) == ["on", "off", "code_default"])
        #expect(set.definition("split")?.metadata["team"] == .string("web"))

        let index = try #require(set.index(of: "keyed"))
        let admin = set.evaluate(flagAt: index, in: EvaluationContext(userID: "u", userType: "admin"))
        #expect(admin.reason == .targetingMatch && admin.rolloutOutcome == nil)
        var shares: [String: Int] = [:]
        for number in 0..<20_000 {
            var context = EvaluationContext(userID: "u", userType: "user")
            context.customAttributes["email"] = .string("user-\(number)@example.com")
            let outcome = set.evaluate(flagAt: index, in: context)
            if outcome.reason == .split {
                #expect(outcome.rolloutOutcome == .hit && outcome.bucket != nil)
            } else {
                #expect(outcome.reason == .defaultValue)
            }
            shares[outcome.reason == .split ? set.variantName(flagAt: index, variant: outcome.variantIndex) : "default", default: 0] += 1
        }
        // 25 : 75 : 10 of 110.
        #expect(abs(Double(shares["on"] ?? 0) / 20_000 - 25.0 / 110) < 0.01)
        #expect(abs(Double(shares["default"] ?? 0) / 20_000 - 10.0 / 110) < 0.01)
    }

    static let unleashPayload = """
        {"version": 2, "segments": [{"id": 1, "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}],
         "features": [
          {"name": "rollout", "enabled": true, "strategies": [
            {"name": "default", "constraints": [{"contextName": "user_type", "operator": "IN", "values": ["admin"]}]},
            {"name": "flexibleRollout", "parameters": {"rollout": "30", "stickiness": "userId", "groupId": "g"}, "segments": [1]}]},
          {"name": "ab", "enabled": true, "strategies": [{"name": "default"}], "variants": [
            {"name": "red", "weight": 500, "stickiness": "userId", "payload": {"type": "json", "value": "{\\"c\\": 1}"}},
            {"name": "blue", "weight": 500, "stickiness": "userId", "payload": {"type": "number", "value": "7"}},
            {"name": "vip", "weight": 0, "stickiness": "userId", "overrides": [{"contextName": "userId", "values": ["user-3"]}]}]},
          {"name": "plain", "enabled": true, "strategies": [
            {"name": "default", "constraints": [{"contextName": "user_type", "operator": "IN", "values": ["admin"]}]},
            {"name": "flexibleRollout", "parameters": {"rollout": "30", "stickiness": "default"},
             "constraints": [{"contextName": "region", "operator": "NOT_IN", "values": ["us"], "inverted": true},
                             {"contextName": "environment", "operator": "NOT_IN", "values": ["staging"]}]}]},
          {"name": "listed", "enabled": true, "strategies": [{"name": "userWithId", "parameters": {"userIds": "user-1,user-2"}}]},
          {"name": "child", "enabled": true, "dependencies": [{"feature": "listed"}]},
          {"name": "off", "enabled": false, "strategies": [{"name": "default"}]}
         ]}
        """

    @Test("Unleash: every toggle answers as the SDKs evaluate it; reasons, rollout reached and configured shares")
    func unleashParity() throws {
        let toggles = try UnleashFileDecoder.decode(Self.unleashPayload, file: "u.json").toggleSet
        let set = FlagSet(unleash: toggles, info: FlagSetInfo())
        #expect(set.format == .unleash)
        #expect(set.definition("rollout")?.state == .rollout && set.effectivePercentage(ofFlagAt: set.index(of: "rollout")!, at: 0) == 30)
        guard case .split(let weights)? = set.definition("ab")?.rollout?.strategy else { Issue.record("no split"); return }
        #expect(weights == [SplitWeight(variant: "red", weight: 500), SplitWeight(variant: "blue", weight: 500)])
        #expect(set.definition("ab")?.variants.map(\.value) == [.bool(false), .bool(true), .object(["c": .int(1)]), .int(7), .bool(true)])
        #expect(set.definition("off")?.state == .disabled && set.definition("listed")?.state == .enabled)

        var reached = 0
        var hits = 0
        for number in 0..<3_000 {
            var context = EvaluationContext(userID: number % 23 == 0 ? nil : "user-\(number)", userType: number % 9 == 0 ? "admin" : "user",
                                            environment: number % 5 == 0 ? "staging" : "production")
            context.customAttributes["region"] = number % 29 == 0 ? .int(1) : .string(number % 4 == 0 ? "us" : "eu")
            // user_type given as an attribute wins over the context's (the fast path reads it the same way).
            if number % 31 == 0 { context.customAttributes["user_type"] = .string("admin") }
            for name in toggles.names {
                // Without a user id these two draw at random (their stickiness falls back to it): no answer to compare.
                if number % 23 == 0, name == "ab" || name == "plain" { continue }
                let expected = toggles.evaluate(name, context: UnleashContext(context), now: 0)
                let outcome = set.evaluate(flagAt: set.index(of: name)!, in: context)
                let variant = set.variantName(flagAt: outcome.flagIndex, variant: outcome.variantIndex)
                #expect(variant == (expected.variantEnabled ? expected.variant : expected.enabled ? "enabled" : "disabled"), "\(name)")
                #expect(set.result(for: outcome).value == expected.servedValue, "\(name)")
                if name == "plain", number % 23 != 0, number % 29 != 0 {
                    // Decided by the records: the reasons the general path gives, from the same decision.
                    let admin = number % 9 == 0 || number % 31 == 0
                    let reached = !admin && number % 4 == 0 && number % 5 != 0
                    #expect(outcome.rolloutOutcome == (reached ? (expected.enabled ? .hit : .miss) : nil), "\(number)")
                    #expect(outcome.reason == (admin ? .targetingMatch : expected.enabled ? .rolloutMatch : .defaultValue), "\(number)")
                }
                if name == "rollout", number % 23 == 0 {
                    // No user id for `userId` stickiness: off, and not counted in the rollout's population.
                    #expect(outcome.rolloutOutcome == nil, "\(number)")
                    #expect(expected.enabled == (number % 9 == 0 || number % 31 == 0), "\(number)")
                }
                if name == "rollout", number % 23 != 0 {
                    if let rollout = outcome.rolloutOutcome {
                        reached += 1
                        if rollout == .hit { hits += 1 }
                        #expect(outcome.reason == (rollout == .hit ? .rolloutMatch : .defaultValue))
                    } else {
                        // The admin rule, or the segment did not hold: the rollout was not reached.
                        #expect(outcome.reason == (expected.enabled ? .targetingMatch : .defaultValue))
                    }
                }
                if name == "ab", number % 23 != 0 { #expect(outcome.reason == (number == 3 ? .staticValue : .split)) }
                if name == "off" { #expect(outcome.reason == .flagDisabled) }
                if name == "child" { #expect(outcome.reason == (number == 1 || number == 2 ? .staticValue : .prerequisiteFailed)) }
            }
        }
        #expect(abs(Double(hits) / Double(reached) - 0.30) < 0.03)
    }

    /// Strategy variants (Unleash 5) are listed per strategy, so two lists may each give one name its own payload, and
    /// nothing stops a variant being called `enabled` or `disabled`.
    static let sharedNamesPayload = """
        {"version": 2, "features": [{"name": "T", "enabled": true, "strategies": [
          {"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "userId", "groupId": "T"},
           "constraints": [{"contextName": "plan", "operator": "IN", "values": ["pro"]}],
           "variants": [{"name": "blue", "weight": 1000, "stickiness": "userId", "payload": {"type": "string", "value": "pro-blue"}}]},
          {"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "userId", "groupId": "T"},
           "constraints": [{"contextName": "plan", "operator": "IN", "values": ["team"]}],
           "variants": [{"name": "enabled", "weight": 1000, "stickiness": "userId", "payload": {"type": "string", "value": "team"}}]},
          {"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "userId", "groupId": "T"},
           "constraints": [{"contextName": "plan", "operator": "IN", "values": ["trial"]}],
           "variants": [{"name": "disabled", "weight": 1000, "stickiness": "userId"}]},
          {"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "userId", "groupId": "T"},
           "variants": [{"name": "blue", "weight": 1000, "stickiness": "userId", "payload": {"type": "string", "value": "free-blue"}}]}]}]}
        """

    @Test("Unleash: the variant served is the one drawn, not the first of its name", arguments: [
        ("pro", "blue", FlagValue.string("pro-blue")),
        ("free", "blue", .string("free-blue")),
        ("team", "enabled", .string("team")),
        ("trial", "disabled", .bool(true)),
    ])
    func variantsSharingAName(plan: String, variant: String, value: FlagValue) throws {
        let toggles = try UnleashFileDecoder.decode(Self.sharedNamesPayload, file: "u.json").toggleSet
        let set = FlagSet(unleash: toggles, info: FlagSetInfo())
        let context = EvaluationContext(userID: "u1", customAttributes: ["plan": .string(plan)])
        let expected = toggles.evaluate("T", context: UnleashContext(context), now: 0)
        #expect(expected.variant == variant && expected.variantEnabled && expected.servedValue == value)
        let result = set.evaluate("T", in: context)
        #expect(result.variant == variant)
        #expect(result.value == value)
    }

    @Test("Unleash toggle names: a repeated name, and one name in two Unicode normalizations, each at its place", arguments: [
        (#"{"features": [{"name": "a", "enabled": true}, {"name": "a", "enabled": true}]}"#,
         "u.json:1:56: features[1].name: the toggle 'a' is listed twice"),
        (#"{"features": [{"name": "caf\u00e9", "enabled": true}, {"name": "cafe\u0301", "enabled": true}]}"#,
         "u.json:1:64: features[1].name: toggle names 'caf\u{e9}' (U+0063 U+0061 U+0066 U+00E9) and 'cafe\u{301}' "
            + "(U+0063 U+0061 U+0066 U+0065 U+0301) are one name in two Unicode normalizations; rename one"),
    ])
    func unleashToggleNames(text: String, message: String) {
        do {
            _ = try UnleashFileDecoder.decode(text, file: "u.json")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.diagnostics.filter { $0.severity == .error }.map { "\($0.location): \($0.path): \($0.message)" } == [message])
        }
    }

    @Test("the loader detects and loads both formats; an overlay beside one is refused; strict refuses warnings")
    func loading() throws {
        let flagd = try FlagConfigLoader.load(base: ConfigText(name: "f.json", text: Self.flagdFile), environment: "production")
        #expect(flagd.flagSet.format == .flagd && flagd.flagSet.info.version == "7" && flagd.flagSet.count == 8)
        let unleash = try FlagConfigLoader.load(base: ConfigText(name: "u.json", text: Self.unleashPayload), environment: "production")
        #expect(unleash.flagSet.format == .unleash && unleash.flagSet.count == 6)
        #expect(throws: FlagConfigError.self) {
            try FlagConfigLoader.load(base: ConfigText(name: "f.json", text: Self.flagdFile),
                                      overlay: ConfigText(name: "f_production.json", text: "{}"), environment: "production")
        }
        let odd = #"{"features": [{"name": "t", "enabled": true, "strategies": [{"name": "custom"}]}]}"#
        #expect(try FlagConfigLoader.load(base: ConfigText(name: "o.json", text: odd), environment: "dev").warnings.count == 1)
        #expect(throws: FlagConfigError.self) {
            try FlagConfigLoader.load(base: ConfigText(name: "o.json", text: odd), environment: "dev", strict: true)
        }
        // Forced: the seed loader reads the flagd text as a seed file and names its unknown fields.
        #expect(throws: FlagConfigError.self) {
            try FlagConfigLoader.load(base: ConfigText(name: "f.json", text: Self.flagdFile), environment: "dev", strict: true, format: .seed)
        }
    }

    @Test("source.format of the exporter file: auto, seed, flagd or unleash; anything else is an error at its line and column",
          arguments: [
              ("auto", nil as FlagFileFormat?, nil as String?), ("flagd", .flagd, nil), ("unleash", .unleash, nil), ("seed", .seed, nil),
              ("json", nil, "e.yaml:2:11: source.format: 'json' is not a format: auto, seed, flagd or unleash"),
          ])
    func sourceFormat(text: String, format: FlagFileFormat?, error expected: String?) throws {
        let config = ConfigText(name: "e.yaml", text: "source:\n  format: \(text)\n")
        do {
            let settings = try ExporterSettings.load(config)
            #expect(expected == nil)
            #expect(settings.source.format == format)
        } catch {
            #expect(error.description.hasPrefix(expected ?? "no error"), "\(error.description)")
        }
    }
}
