import FlagConfig
@testable import FlagEngine
import Testing

/// Large sets compile in two halves at once (``FlagSetCompiler``); the joined tables must be exactly one pass's.
@Suite("Parallel compilation of large flag sets")
struct ParallelCompileTests {
    /// Every kind of table entry: equality and general rules, splits, user lists, both gradual schedules,
    /// dependencies, parent flags, custom bucketing attributes, and the default rollout.
    static func variedFile(flags count: Int, broken: Set<Int> = []) -> String {
        var text = "global: {default_rollout_percentage: 7}\nflags:\n"
        for index in 0..<count {
            text += "  flag_\(index):\n"
            if broken.contains(index) {
                text += "    state: enabled\n    dependencies: [missing_\(index)]\n"
                continue
            }
            switch index % 10 {
            case 0:
                text += """
                        state: rollout
                        rollout: {strategy: percentage, percentage: \(index % 100)}
                        targeting_rules:
                          - {name: admins, condition: "user_type == 'admin'", variant: "on", priority: 100}

                    """
            case 1:
                text += """
                        state: rollout
                        rollout: {strategy: percentage, percentage: 30}
                        targeting_rules:
                          - {name: pro, condition: "custom_attributes.get('plan') == 'pro'", variant: "on", priority: 5}
                          - {name: staff, condition: "user_type != 'bot'", variant: "off", priority: 5}

                    """
            case 2:
                text += """
                        state: rollout
                        default_variant: control
                        variants: {control: "c", a: "a", b: "b"}
                        rollout: {strategy: split, distribution: {control: 2, a: 1, b: \(index % 7 + 1)}}

                    """
            case 3:
                text += "    state: rollout\n    rollout: {strategy: user_list, user_list: [u\(index), u\(index + 1), admin]}\n"
            case 4:
                text += """
                        state: rollout
                        rollout:
                          strategy: gradual
                          gradual: {start_time: "2026-01-05T00:00:00Z", end_time: "2026-01-19T00:00:00Z", start_percentage: 5, end_percentage: 100}

                    """
            case 5:
                text += "    state: enabled\n    dependencies: [flag_\(index - 1)]\n"
            case 6:
                text += "    state: enabled\n    metadata: {parent_flag: flag_\(index - 2)}\n"
            case 7:
                text += "    state: rollout\n    rollout: {strategy: percentage, percentage: 50, bucket_by: tenant}\n"
            case 8:
                text += """
                        state: rollout
                        rollout:
                          strategy: gradual
                          gradual: {steps: [{at: "2026-01-05T00:00:00Z", percentage: 5}, {at: "2026-01-12T00:00:00Z", percentage: 50}]}

                    """
            default:
                text += "    state: rollout\n"
            }
        }
        return text
    }

    /// Compares table by table, naming the first that differs (the tables are too long to print).
    static func expectSameTables(_ parallel: FlagSetStorage, _ sequential: FlagSetStorage) {
        let tables: [(String, Bool)] = [
            ("flags", Array(parallel.flags) == Array(sequential.flags)),
            ("rules", Array(parallel.rules) == Array(sequential.rules)),
            ("prerequisites", Array(parallel.prerequisites) == Array(sequential.prerequisites)),
            ("keyBytes", Array(parallel.keyBytes) == Array(sequential.keyBytes)),
            ("variantTruthiness", Array(parallel.variantTruthiness) == Array(sequential.variantTruthiness)),
            ("keySlots", Array(parallel.keySlots) == Array(sequential.keySlots)),
            ("conditions", parallel.conditions.count == sequential.conditions.count),
            ("userLists", parallel.extras.userLists.count == sequential.extras.userLists.count),
            ("gradualSchedules", parallel.extras.gradualSchedules == sequential.extras.gradualSchedules),
            ("splits", parallel.extras.splits == sequential.extras.splits),
            ("splitCumulative", parallel.extras.splitCumulative == sequential.extras.splitCumulative),
            ("splitVariantIndices", parallel.extras.splitVariantIndices == sequential.extras.splitVariantIndices),
            ("customBucketNames", parallel.extras.customBucketNames == sequential.extras.customBucketNames),
        ]
        let differing = tables.filter { !$0.1 }.map(\.0)
        #expect(differing.isEmpty, "tables that differ from one pass's: \(differing)")
    }

    @Test("two halves give one pass's tables, and the same evaluations", arguments: [1024, 2001])
    func sameTables(count: Int) throws {
        let loaded = try FlagConfigLoader.load(
            base: ConfigText(name: "varied.yaml", text: Self.variedFile(flags: count)), environment: "production")
        let parallel = loaded.flagSet.storage
        #expect(parallel.flags.count == count)
        let sequential = try FlagSetCompiler.compile(
            loaded.flagSet.definitions, settings: parallel.settings, info: parallel.info, parallelFrom: .max)
        Self.expectSameTables(parallel, sequential)

        // And evaluation agrees flag by flag, for users and attributes that reach every rule and strategy.
        let oneByOne = FlagSet(storage: sequential)
        for user in 0..<40 {
            var context = EvaluationContext(userID: user % 3 == 0 ? "admin" : "user-\(user)")
            context.userType = ["admin", "bot", "regular"][user % 3]
            context.customAttributes["plan"] = .string(user % 2 == 0 ? "pro" : "free")
            context.customAttributes["tenant"] = .string("tenant-\(user % 5)")
            for definition in loaded.flagSet.definitions {
                let left = loaded.flagSet.evaluate(definition.key, in: context)
                let right = oneByOne.evaluate(definition.key, in: context)
                #expect(left.variant == right.variant && left.reason == right.reason, "\(definition.key) for user \(user)")
            }
        }
    }

    @Test("problems in both halves are reported in file order, as one pass reports them")
    func issuesInOrder() throws {
        let text = Self.variedFile(flags: 1200, broken: [3, 700, 1199])
        do {
            _ = try FlagConfigLoader.load(base: ConfigText(name: "varied.yaml", text: text), environment: "production")
            Issue.record("unknown dependencies were accepted")
        } catch {
            #expect(
                error.diagnostics.map(\.path) == [
                    "flags.flag_3.dependencies[0]", "flags.flag_700.dependencies[0]", "flags.flag_1199.dependencies[0]",
                ])
            #expect(error.diagnostics.map(\.location.line) == error.diagnostics.map(\.location.line).sorted())
        }
    }
}
