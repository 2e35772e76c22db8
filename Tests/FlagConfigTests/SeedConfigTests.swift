import FlagConfig
import FlagEngine
import Testing

@Suite("The seed and shipped configurations")
struct SeedConfigTests {
    @Test("the seed file loads all 20 flags with 'on' and 'off' as variants, in every environment",
        arguments: ["development", "staging", "production"])
    func seedLoads(environment: String) throws {
        let loaded = try FlagConfigLoader.load(path: ConfigFixtures.seedFile, environment: environment)
        #expect(loaded.flagSet.count == 20)
        let phase1 = try #require(loaded.flagSet.definition("phase1_config_externalization"))
        #expect(phase1.variants.map(\.name) == ["on", "off"])
        #expect(phase1.variants.map(\.value) == [.bool(true), .bool(false)])
        // The seed's one kind of flag warning: 18 flags whose variants mix booleans with strings or numbers, which
        // OpenFeature's typed API cannot read (the shipped config has none, test below).
        let flagWarnings = loaded.warnings.filter { $0.path.hasPrefix("flags") }
        #expect(flagWarnings.allSatisfy { $0.message.hasPrefix("variants mix value types") })
        #expect(flagWarnings.count == 18)
        #expect(loaded.flagSet.info.version == "1.0.0")
        #expect(loaded.flagSet.info.alertThresholds == [
            "flag_evaluation_errors": 10, "rollout_percentage_exceeded": 0.05, "configuration_reload_failed": 1,
        ])
    }

    @Test("the shipped file and its overlays load in every environment, strictly",
        arguments: ["development", "staging", "production"])
    func shippedLoads(environment: String) throws {
        let loaded = try FlagConfigLoader.load(path: ConfigFixtures.shippedFile, environment: environment, strict: true)
        #expect(loaded.flagSet.count == 20)
        #expect(loaded.sources.count == 2)
        #expect(loaded.warnings.isEmpty)
    }

    @Test("environments: production's global percentage applies to flags it does not set itself",
        arguments: [
            ("development", "phase1_config_externalization", 100.0, FlagState.enabled),
            ("development", "phase2_health_checks", 50.0, .rollout),
            ("development", "ab_testing", 100.0, .rollout),
            ("staging", "phase1_config_externalization", 100.0, .enabled),
            ("staging", "canary_deployment", 50.0, .rollout),
            ("production", "phase1_config_externalization", 10.0, .rollout),
            ("production", "ab_testing", 10.0, .rollout),
            ("production", "rollback_mechanism", 100.0, .enabled),
        ])
    func effectivePercentages(environment: String, key: String, percentage: Double, state: FlagState) throws {
        for file in [ConfigFixtures.seedFile, ConfigFixtures.shippedFile] {
            let loaded = try FlagConfigLoader.load(path: file, environment: environment)
            let index = try #require(loaded.flagSet.index(of: key))
            #expect(loaded.flagSet.definitions[index].state == state, "\(file) \(environment) \(key)")
            #expect(loaded.flagSet.effectivePercentage(ofFlagAt: index, at: 0) == percentage, "\(file) \(environment)")
        }
    }

    @Test("seed semantics: dependencies inside metadata and parent_flag gate the child flag")
    func seedDependencies() throws {
        let set = try FlagConfigLoader.load(path: ConfigFixtures.seedFile, environment: "production").flagSet
        let phase2 = try #require(set.definition("phase2_health_checks"))
        #expect(phase2.prerequisites == ["phase1_config_externalization"])
        #expect(set.definition("phase1_pydantic_settings")?.prerequisites == ["phase1_config_externalization"])
        // An admin is in phase 1 by rule, so a monitoring-team admin... is not; monitoring users need phase 1 first.
        let monitoring = EvaluationContext(userID: "user123", userType: "monitoring", environment: "production")
        #expect(set.evaluate("phase1_config_externalization", in: monitoring).variant == "off")
        #expect(set.evaluate("phase2_health_checks", in: monitoring).reason == .prerequisiteFailed)
        let development = EvaluationContext(userID: "user123", userType: "monitoring", environment: "development")
        #expect(set.evaluate("phase2_health_checks", in: development).reason == .targetingMatch)
        #expect(set.evaluate("performance_monitoring", in: development).variant == "on")
        #expect(set.evaluate("performance_monitoring", in: monitoring).variant == "detailed")
    }

    @Test("an unknown environment is simply the base file, and a bad environment name is refused")
    func environments() throws {
        #expect(try FlagConfigLoader.load(path: ConfigFixtures.shippedFile, environment: "qa").flagSet.count == 20)
        #expect(throws: FlagConfigError.self) {
            try FlagConfigLoader.load(path: ConfigFixtures.shippedFile, environment: "../etc")
        }
        #expect(FlagConfigLoader.activeEnvironment(explicit: nil, environmentVariables: [:]) == "development")
        #expect(FlagConfigLoader.activeEnvironment(explicit: nil, environmentVariables: ["ENVIRONMENT": "staging"]) == "staging")
        #expect(FlagConfigLoader.activeEnvironment(explicit: "production", environmentVariables: ["ENVIRONMENT": "staging"]) == "production")
        #expect(FlagConfigLoader.overlayPath(for: "config/feature_flags.yaml", environment: "production")
            == "config/feature_flags_production.yaml")
        #expect(FlagConfigLoader.declaredEnvironments(path: ConfigFixtures.shippedFile)
            == ["development", "production", "staging"])
    }
}
