public import FlagConfig
public import FlagEngine

/// What `check` and `eval` print for a flagd file.
public enum FlagdReport {
    /// `check`'s report of a loaded flagd file: one line per flag (text) or one JSON object.
    public static func render(_ flagSet: FlagdFlagSet, warnings: [ConfigDiagnostic], file: String, format: CheckReport.Format) -> String {
        switch format {
        case .text:
            var lines = ["\(file): flagd format, \(flagSet.keys.count) flag\(flagSet.keys.count == 1 ? "" : "s")"]
            let width = flagSet.keys.map(\.count).max() ?? 0
            for key in flagSet.keys {
                guard let flag = flagSet.flags[key] else { continue }
                var line = "  " + key + String(repeating: " ", count: width - key.count)
                line += flag.isEnabled ? "  ENABLED " : "  DISABLED"
                line += "  default \(flag.defaultVariant ?? "(the caller's)")"
                line += "  variants \(flag.variants.map(\.name).joined(separator: ", "))"
                if flag.targeting != nil { line += "  targeting" }
                lines.append(line)
            }
            lines += warnings.map(\.description)
            return lines.joined(separator: "\n")
        case .json:
            var output = "{\"format\":\"flagd\",\"file\":"
            JSONText.writeString(file, to: &output)
            output += ",\"flags\":["
            for (index, key) in flagSet.keys.enumerated() {
                guard let flag = flagSet.flags[key] else { continue }
                if index > 0 { output += "," }
                output += "{\"key\":"
                JSONText.writeString(key, to: &output)
                output += ",\"state\":\"\(flag.isEnabled ? "ENABLED" : "DISABLED")\",\"default_variant\":"
                JSONText.write(flag.defaultVariant.map(FlagValue.string) ?? .null, to: &output)
                output += ",\"variants\":"
                JSONText.write(.list(flag.variants.map { .string($0.name) }), to: &output)
                output += ",\"targeting\":\(flag.targeting != nil)}"
            }
            output += "],\"warnings\":"
            JSONText.write(.list(warnings.map { .string($0.description) }), to: &output)
            return output + "}"
        }
    }

    /// `eval`'s line for one resolution: `{"flag_key", "variant", "value", "reason", "error_code"}`.
    public static func jsonLine(_ resolution: FlagdResolution, flagKey: String) -> String {
        var output = "{\"flag_key\":"
        JSONText.writeString(flagKey, to: &output)
        output += ",\"variant\":"
        JSONText.write(resolution.variant.map(FlagValue.string) ?? .null, to: &output)
        output += ",\"value\":"
        JSONText.write(resolution.value ?? .null, to: &output)
        output += ",\"reason\":\"\(resolution.reason.rawValue)\",\"error_code\":"
        JSONText.write(resolution.errorCode.map { .string($0.rawValue) } ?? .null, to: &output)
        return output + "}"
    }
}
