public import FlagConfig
import WireFormat
public import FlagEngine

/// What `check` and `eval` print for an Unleash payload.
public enum UnleashReport {
    /// `check`'s report: one line per toggle (text) or one JSON object.
    public static func render(_ toggleSet: UnleashToggleSet, warnings: [ConfigDiagnostic], file: String, format: CheckReport.Format) -> String {
        let toggles = toggleSet.names.compactMap { toggleSet.toggles[$0] }
        switch format {
        case .text:
            var lines = ["\(file): Unleash format, \(toggles.count) toggle\(toggles.count == 1 ? "" : "s"), \(toggleSet.segments.count) segment\(toggleSet.segments.count == 1 ? "" : "s")"]
            let width = toggles.map(\.name.count).max() ?? 0
            for toggle in toggles {
                var line = "  " + toggle.name + String(repeating: " ", count: width - toggle.name.count)
                line += toggle.enabled ? "  enabled " : "  disabled"
                line += "  strategies " + (toggle.strategies.isEmpty ? "(none: on)" : toggle.strategies.map(\.name).joined(separator: ", "))
                if !toggle.variants.isEmpty { line += "  variants \(toggle.variants.map(\.name).joined(separator: ", "))" }
                if !toggle.dependencies.isEmpty { line += "  depends on \(toggle.dependencies.map(\.feature).joined(separator: ", "))" }
                lines.append(line)
            }
            lines += warnings.map(\.description)
            return lines.joined(separator: "\n")
        case .json:
            return JSONWriter.object { json in
                json.add("format", "unleash")
                json.add("file", file)
                json.array("toggles") { list in
                    for toggle in toggles {
                        list.object { entry in
                            entry.add("name", toggle.name)
                            entry.add("enabled", toggle.enabled)
                            entry.add("strategies", toggle.strategies.map(\.name))
                            entry.add("variants", toggle.variants.map(\.name))
                        }
                    }
                }
                json.add("warnings", warnings.map(\.description))
            }
        }
    }

    /// `eval`'s line, as the SDKs report a toggle: `{"flag_key", "enabled", "variant": {"name", "enabled",
    /// "feature_enabled", "payload"}}`, and `"error_code": "FLAG_NOT_FOUND"` for a toggle the payload lacks.
    public static func jsonLine(_ result: UnleashResult, flagKey: String) -> String {
        JSONWriter.object { json in
            json.add("flag_key", flagKey)
            json.add("enabled", result.enabled)
            json.object("variant") { variant in
                variant.add("name", result.variant)
                variant.add("enabled", result.variantEnabled)
                variant.add("feature_enabled", result.enabled)
                if let payload = result.payload { variant.add("payload", payload) }
            }
            if result.notFound { json.add("error_code", "FLAG_NOT_FOUND") }
        }
    }
}
