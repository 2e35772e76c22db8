import FlagEngine

/// JSON string escaping for the exporter's own output (logs, health, OFREP).
enum JSONTextWriter {
    static func writeString(_ text: String, to output: inout String) {
        JSONText.writeString(text, to: &output)
    }
}
