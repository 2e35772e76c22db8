/// The reload-10k configuration of WORKLOADS.md: 40% percentage rollouts with one rule, 20% splits with 3 variants,
/// 20% enabled, 10% disabled, 10% user lists of 20 ids; each flag with metadata and a description.
enum GeneratedConfig {
    static func yaml(flags count: Int, keyPrefix: String = "flag_") -> String {
        var text = "version: \"bench\"\nschema_version: \"2025.1\"\nflags:\n"
        text.reserveCapacity(count * 420)
        for index in 0..<count {
            let key = "\(keyPrefix)\(index)"
            let metadata = """
                    metadata:
                      phase: \(index % 6 + 1)
                      description: "Generated flag number \(index) for the reload benchmark"
                      owner: "team-\(index % 17)"
                      jira_ticket: "BENCH-\(index)"

                """
            switch index % 10 {
            case 0, 1, 2, 3:
                text += """
                      \(key):
                        state: rollout
                        default_variant: "off"
                        variants: {on: true, off: false}
                        rollout: {strategy: percentage, percentage: \(index % 100).5, sticky: true}
                        targeting_rules:
                          - {name: "admins", condition: "user_type == 'admin'", variant: "on", priority: 100}

                    """
            case 4, 5:
                text += """
                      \(key):
                        state: rollout
                        default_variant: "off"
                        variants: {control: "c", treatment_a: "a", treatment_b: "b", off: "off"}
                        rollout:
                          strategy: split
                          distribution: {control: 50, treatment_a: 25, treatment_b: 25}

                    """
            case 6, 7:
                text += """
                      \(key):
                        state: enabled
                        default_variant: "off"
                        variants: {on: true, off: false}

                    """
            case 8:
                text += """
                      \(key):
                        state: disabled
                        default_variant: "off"
                        variants: {on: true, off: false}

                    """
            default:
                let ids = (0..<20).map { "\"user-\(index)-\($0)\"" }.joined(separator: ", ")
                text += """
                      \(key):
                        state: rollout
                        default_variant: "off"
                        variants: {on: true, off: false}
                        rollout:
                          strategy: user_list
                          user_list: [\(ids)]

                    """
            }
            text += metadata
        }
        return text
    }
}
