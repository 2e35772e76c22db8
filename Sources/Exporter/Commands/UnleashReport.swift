public import FlagConfig
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
            var output = "{\"format\":\"unleash\",\"file\":"
            JSONText.writeString(file, to: &output)
            output += ",\"toggles\":["
            for (index, toggle) in toggles.enumerated() {
                if index > 0 { output += "," }
                output += "{\"name\":"
                JSONText.writeString(toggle.name, to: &output)
                output += ",\"enabled\":\(toggle.enabled),\"strategies\":"
                JSONText.write(.list(toggle.strategies.map { .string($0.name) }), to: &output)
                output += ",\"variants\":"
                JSONText.write(.list(toggle.variants.map { .string($0.name) }), to: &output)
                output += "}"
            }
            output += "],\"warnings\":"
            JSONText.write(.list(warnings.map { .string($0.description) }), to: &output)
            return output + "}"
        }
    }

    /// `eval`'s line, as the SDKs report a toggle: `{"flag_key", "enabled", "variant": {"name", "enabled",
    /// "feature_enabled", "payload"}}`, and `"error_code": "FLAG_NOT_FOUND"` for a toggle the payload lacks.
    public static func jsonLine(_ result: UnleashResult, flagKey: String) -> String {
        var output = "{\"flag_key\":"
        JSONText.writeString(flagKey, to: &output)
        output += ",\"enabled\":\(result.enabled),\"variant\":{\"name\":"
        JSONText.writeString(result.variant, to: &output)
        output += ",\"enabled\":\(result.variantEnabled),\"feature_enabled\":\(result.enabled)"
        if let payload = result.payload {
            output += ",\"payload\":"
            JSONText.write(payload, to: &output)
        }
        output += "}"
        if result.notFound { output += ",\"error_code\":\"FLAG_NOT_FOUND\"" }
        return output + "}"
    }
}
