public import FlagConfig
import WireFormat
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
            return JSONWriter.object { json in
                json.add("format", "flagd")
                json.add("file", file)
                json.array("flags") { list in
                    for key in flagSet.keys {
                        guard let flag = flagSet.flags[key] else { continue }
                        list.object { entry in
                            entry.add("key", key)
                            entry.add("state", flag.isEnabled ? "ENABLED" : "DISABLED")
                            entry.add("default_variant", flag.defaultVariant)
                            entry.add("variants", flag.variants.map(\.name))
                            entry.add("targeting", flag.targeting != nil)
                        }
                    }
                }
                json.add("warnings", warnings.map(\.description))
            }
        }
    }

    /// `eval`'s line for one resolution: `{"flag_key", "variant", "value", "reason", "error_code"}`.
    public static func jsonLine(_ resolution: FlagdResolution, flagKey: String) -> String {
        JSONWriter.object { json in
            json.add("flag_key", flagKey)
            json.add("variant", resolution.variant)
            json.add("value", resolution.value ?? .null)
            json.add("reason", resolution.reason.rawValue)
            json.add("error_code", resolution.errorCode?.rawValue)
        }
    }
}
