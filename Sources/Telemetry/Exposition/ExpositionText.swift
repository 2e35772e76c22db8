#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A series' labels as the exposition writes them between the braces (`flag_key="a",source="synthetic"`), values
/// escaped. Two label lists are the same series exactly when their renderings are equal, so the rendering is the key;
/// series sort by it.
struct LabelSet: Hashable, Comparable, Sendable {
    /// The bytes between `{` and `}`; empty for a series without labels.
    let rendered: [UInt8]

    /// The labels `labels`, in their order, after checking the names (the catalog's constants: an invalid or
    /// repeated name, or one starting `__` (reserved), is a programming error).
    init(validating labels: [(String, String)], of metric: String) {
        var rendered: [UInt8] = []
        for (index, (name, value)) in labels.enumerated() {
            precondition(
                ExpositionText.isValidLabelName(name) && !name.hasPrefix("__")
                    && !labels[..<index].contains { $0.0 == name },
                "\(metric): invalid or repeated label name \(name)")
            if index > 0 { rendered.append(UInt8(ascii: ",")) }
            ExpositionText.appendLabel(name: name, value: value, to: &rendered)
        }
        self.rendered = rendered
    }

    private init(rendered: [UInt8]) {
        self.rendered = rendered
    }

    /// These labels and one more at the end (a histogram bucket's `le`).
    func adding(name: String, value: String) -> LabelSet {
        var rendered = rendered
        if !rendered.isEmpty { rendered.append(UInt8(ascii: ",")) }
        ExpositionText.appendLabel(name: name, value: value, to: &rendered)
        return LabelSet(rendered: rendered)
    }

    /// Byte order of the renderings (`memcmp`, then the shorter first).
    static func < (lhs: LabelSet, rhs: LabelSet) -> Bool {
        lhs.rendered.withUnsafeBytes { left in
            rhs.rendered.withUnsafeBytes { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common)
                return order != 0 ? order < 0 : left.count < right.count
            }
        }
    }
}

/// The text exposition format 0.0.4's pieces: names, escaping, header lines, numbers.
enum ExpositionText {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidMetricName(_ name: String) -> Bool {
        isValidName(name, allowingColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    static func isValidLabelName(_ name: String) -> Bool {
        isValidName(name, allowingColon: false)
    }

    private static func isValidName(_ name: String, allowingColon: Bool) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                true
            case UInt8(ascii: ":"): allowingColon
            default: isDigit(byte)
            }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `# HELP name help` (backslash and line feed escaped) and `# TYPE name type`, each with its line feed.
    static func appendHeader(name: String, help: String, type: String, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# HELP \(name) ".utf8)
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            default: buffer.append(byte)
            }
        }
        buffer.append(contentsOf: "\n# TYPE \(name) \(type)\n".utf8)
    }

    /// `name="value"`, with backslash, double quote and line feed in the value escaped.
    static func appendLabel(name: String, value: String, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: #"=""#.utf8)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// What a sample line starts with: `name{labels} `, or `name ` for a series without labels.
    static func samplePrefix(name: String, labels: LabelSet) -> [UInt8] {
        var prefix = Array(name.utf8)
        if !labels.rendered.isEmpty {
            prefix.append(UInt8(ascii: "{"))
            prefix.append(contentsOf: labels.rendered)
            prefix.append(UInt8(ascii: "}"))
        }
        prefix.append(UInt8(ascii: " "))
        return prefix
    }

    /// `value` as Swift's `description` writes it (`1.0`, `0.25`, `1e-07`, `inf`, `nan`), which the
    /// exposition's parsers read back exactly. Whole numbers below 10^15, most of a scrape's gauges, take a shortcut that writes
    /// the same bytes without making a string.
    static func appendDouble(_ value: Double, to buffer: inout [UInt8]) {
        if value.magnitude < 1e15, let whole = Int64(exactly: value), !(whole == 0 && value.sign == .minus) {
            appendDecimal(whole, to: &buffer)
            buffer.append(UInt8(ascii: "."))
            buffer.append(UInt8(ascii: "0"))
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    /// `value` in decimal, written straight into `buffer` (a scrape writes thousands; no string is made for each).
    static func appendDecimal(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude, to: &buffer)
    }

    /// `value` in decimal, written straight into `buffer`.
    static func appendDecimal(_ value: UInt64, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value))
            return
        }
        // Digits are produced last first, so they go right to left into a scratch buffer on the stack.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var remaining = value
            var start = digits.count
            repeat {
                let (quotient, remainder) = remaining.quotientAndRemainder(dividingBy: 10)
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remainder)
                remaining = quotient
            } while remaining != 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
