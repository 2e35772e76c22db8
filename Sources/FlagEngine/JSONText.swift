/// Minimal, allocation-light JSON text writing shared by every module that prints results.
///
/// Object keys are written in sorted order so that the same value always prints the same bytes.
public enum JSONText {
    /// Appends `value` as JSON to `output`.
    public static func write(_ value: FlagValue, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number): writeNumber(number, to: &output)
        case .string(let text): writeString(text, to: &output)
        case .list(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                writeString(key, to: &output)
                output += ":"
                write(members[key]!, to: &output)
            }
            output += "}"
        }
    }

    /// Appends a finite double in its shortest round-trip form, or `null` for NaN and infinities (not JSON).
    public static func writeNumber(_ number: Double, to output: inout String) {
        if number.isFinite {
            output += number.description
        } else {
            output += "null"
        }
    }

    /// Appends `text` as a quoted JSON string, escaping quotes, backslashes and control characters.
    public static func writeString(_ text: String, to output: inout String) {
        output += "\""
        var needsEscaping = false
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
