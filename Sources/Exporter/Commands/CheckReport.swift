public import FlagConfig
import WireFormat
public import FlagEngine

/// What `check` prints: the effective flags of one environment, or the errors that refused the configuration.
public enum CheckReport {
    /// Output formats.
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    /// One flag as `check` shows it.
    public struct Row: Sendable {
        public var key: String
        public var state: String
        public var strategy: String
        /// The effective percentage now (gradual rollouts move): disabled 0, enabled 100.
        public var effectivePercentage: Double
        public var defaultVariant: String
        /// What a user outside every rule gets when the flag is on for them (the default, when disabled).
        public var servedVariant: String
        public var variants: [String]
        public var rules: [String]
        public var prerequisites: [String]
        public var phase: Int?
    }

    /// The rows of `flagSet` at `time`.
    public static func rows(of flagSet: FlagSet, at time: Double) -> [Row] {
        flagSet.definitions.enumerated().map { index, flag in
            let rules = flag.targetingRules.enumerated()
                .sorted { lhs, rhs in
                    lhs.element.priority != rhs.element.priority
                        ? lhs.element.priority > rhs.element.priority : lhs.offset < rhs.offset
                }
                .map { "\($0.element.name) [\($0.element.priority)]: \($0.element.condition.source) -> \($0.element.variant)" }
            return Row(
                key: flag.key,
                state: flag.state.rawValue,
                strategy: flag.effectiveStrategyName,
                effectivePercentage: flagSet.effectivePercentage(ofFlagAt: index, at: time),
                defaultVariant: flag.defaultVariant,
                servedVariant: flag.servedVariant,
                variants: flag.variants.map(\.name),
                rules: rules,
                prerequisites: flag.prerequisites,
                phase: flag.phase)
        }
    }


    /// The report for an accepted configuration.
    public static func render(_ loaded: LoadedConfig, format: Format, at time: Double) -> String {
        let rows = rows(of: loaded.flagSet, at: time)
        let info = loaded.flagSet.info
        switch format {
        case .json:
            return JSONWriter.object { json in
                json.add("ok", true)
                json.add("environment", loaded.environment)
                json.add("sources", loaded.sources)
                json.add("version", info.version)
                json.add("schema_version", info.schemaVersion)
                json.add("checksum", info.checksum)
                json.add("global_rollout_percentage", loaded.globalRolloutPercentage)
                json.array("flags") { flags in
                    for row in rows {
                        flags.object { flag in
                            flag.add("key", row.key)
                            flag.add("state", row.state)
                            flag.add("strategy", row.strategy)
                            flag.add("effective_percentage", row.effectivePercentage)
                            flag.add("default_variant", row.defaultVariant)
                            flag.add("served_variant", row.servedVariant)
                            flag.add("variants", row.variants)
                            flag.add("rules", row.rules)
                            flag.add("prerequisites", row.prerequisites)
                            flag.add("phase", row.phase)
                        }
                    }
                }
                json.add("warnings", loaded.warnings.map(\.description))
            }
        case .text:
            var lines: [String] = []
            lines.append(
                "environment \(loaded.environment): \(rows.count) flags from \(loaded.sources.joined(separator: " + "))")
            lines.append(
                "version \(info.version.isEmpty ? "-" : info.version), schema \(info.schemaVersion.isEmpty ? "-" : info.schemaVersion), checksum \(info.checksum.prefix(12)), global_rollout_percentage \(loaded.globalRolloutPercentage.map(formatPercentage) ?? "-")"
            )
            let header = ["FLAG", "STATE", "STRATEGY", "EFFECTIVE", "DEFAULT", "SERVES", "VARIANTS", "REQUIRES"]
            var table = [header]
            for row in rows {
                table.append([
                    row.key, row.state, row.strategy, formatPercentage(row.effectivePercentage) + "%", row.defaultVariant,
                    row.servedVariant, row.variants.joined(separator: ","),
                    row.prerequisites.isEmpty ? "-" : row.prerequisites.joined(separator: ","),
                ])
            }
            let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
            for (number, cells) in table.enumerated() {
                lines.append(
                    cells.enumerated().map { column, cell in
                        column == cells.count - 1 ? cell : cell.padding(to: widths[column])
                    }.joined(separator: "  "))
                if number > 0 {
                    for rule in rows[number - 1].rules { lines.append("    rule " + rule) }
                }
            }
            let counts = FlagState.allCases.map { state in
                "\(rows.count(where: { $0.state == state.rawValue })) \(state.rawValue)"
            }
            lines.append("ok: \(rows.count) flags (\(counts.joined(separator: ", ")))")
            for warning in loaded.warnings { lines.append(warning.description) }
            return lines.joined(separator: "\n")
        }
    }

    /// The report for a refused configuration.
    public static func render(_ error: FlagConfigError, environment: String, format: Format) -> String {
        switch format {
        case .json:
            return JSONWriter.object { json in
                json.add("ok", false)
                json.add("environment", environment)
                json.array("errors") { errors in
                    for diagnostic in error.diagnostics {
                        errors.object { entry in
                            entry.add("severity", diagnostic.severity.rawValue)
                            entry.add("file", diagnostic.location.file)
                            entry.add("line", diagnostic.location.line)
                            entry.add("column", diagnostic.location.column)
                            entry.add("path", diagnostic.path)
                            entry.add("message", diagnostic.message)
                        }
                    }
                }
            }
        case .text:
            let errors = error.errors.count
            return error.description + "\nrejected (environment \(environment)): \(errors) error\(errors == 1 ? "" : "s")"
        }
    }

    static func formatPercentage(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
