import FlagEngine

/// Types plain YAML scalars as YAML 1.1 (libyaml, PyYAML) does for values: null, bool, int, float, else string.
///
/// Quoted and block scalars are always strings. Mapping keys never come here: they are names.
enum ScalarResolver {
    private static let nulls: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let trues: Set<String> = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]
    private static let falses: Set<String> = [
        "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF",
    ]

    static func resolve(_ text: String, _ style: YAMLNode.ScalarStyle) -> FlagValue {
        guard style == .plain else { return .string(text) }
        // Every null and boolean spelling has at most 5 bytes; longer text skips the set lookups.
        if text.utf8.count <= 5 {
            if nulls.contains(text) { return .null }
            // PyYAML's YAML 1.1 booleans; like PyYAML, a bare y or n stays a string.
            if trues.contains(text) { return .bool(true) }
            if falses.contains(text) { return .bool(false) }
        }
        if let integer = integer(text) { return .int(integer) }
        if let number = float(text) { return .double(number) }
        return .string(text)
    }

    static func integer(_ text: String) -> Int? {
        if let decimal = plainDecimal(text) { return decimal }
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        let digits = body.filter { $0 != "_" }
        let magnitude: Int?
        if digits.hasPrefix("0x") {
            magnitude = Int(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0o") {
            magnitude = Int(digits.dropFirst(2), radix: 8)
        } else if digits.count > 1, digits.hasPrefix("0"), digits.allSatisfy({ $0 >= "0" && $0 <= "7" }) {
            magnitude = Int(digits.dropFirst(), radix: 8)  // YAML 1.1 octal
        } else {
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            magnitude = Int(digits)
        }
        return magnitude.map { negative ? -$0 : $0 }
    }

    /// The common case without allocating: an optional sign and 1 to 18 ASCII digits, no leading zero.
    private static func plainDecimal(_ text: String) -> Int? {
        var value = 0
        var negative = false
        var digits = 0
        var valid = true
        var leadingZero = false
        for (offset, byte) in text.utf8.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                negative = byte == UInt8(ascii: "-")
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else {
                valid = false
                break
            }
            if digits == 0 { leadingZero = byte == UInt8(ascii: "0") }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        guard valid, digits > 0, !(leadingZero && digits > 1) else { return nil }
        return negative ? -value : value
    }

    static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let cleaned = text.utf8.contains(UInt8(ascii: "_")) ? text.filter { $0 != "_" } : text
        guard let first = cleaned.first, first == "-" || first == "+" || first == "." || first.isNumber,
            cleaned.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
            cleaned.contains(where: \.isNumber)
        else { return nil }
        return Double(cleaned)
    }
}

extension YAMLNode {
    /// Deep merge (docs/configuration.md, "Environments"): mappings merge key by key, scalars and lists replace.
    func merged(with overlay: YAMLNode) -> YAMLNode {
        guard case .mapping(var pairs) = content, case .mapping(let overlayPairs) = overlay.content else {
            return overlay
        }
        for pair in overlayPairs {
            if let index = pairs.lastIndex(where: { $0.key == pair.key }) {
                pairs[index].value = pairs[index].value.merged(with: pair.value)
            } else {
                pairs.append(pair)
            }
        }
        return YAMLNode(content: .mapping(pairs), location: location)
    }
}
