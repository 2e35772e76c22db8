/// Checks a text exposition before it is pushed, for what the Pushgateway refuses or silently gets wrong:
/// a CR anywhere (CRLF line ends), a missing final newline, sample timestamps, and families without `# HELP` and
/// `# TYPE` (an untyped push turns an existing family untyped on the gateway).
public enum PushBody {
    /// Throws at the first line that breaks a rule, with its line number.
    public static func validate(_ bytes: [UInt8]) throws(PushBodyError) {
        guard !bytes.isEmpty else { throw PushBodyError(line: 0, message: "the body is empty") }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw PushBodyError(line: lineCount(bytes), message: "the body does not end with a newline")
        }
        var typed: [String: String] = [:]
        var helped: Set<String> = []
        var lineNumber = 0
        var start = 0
        var checkedName: ArraySlice<UInt8> = []
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = bytes[start..<end]
            start = end + 1
            if line.contains(UInt8(ascii: "\r")) {
                throw PushBodyError(line: lineNumber, message: "carriage return (CRLF line end)")
            }
            if line.isEmpty { continue }
            if line.first == UInt8(ascii: "#") {
                let words = line.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: true)
                guard words.count >= 3 else { continue }
                let keyword = String(decoding: words[1], as: UTF8.self)
                let name = String(decoding: words[2], as: UTF8.self)
                checkedName = []
                if keyword == "TYPE" {
                    typed[name] = words.count > 3 ? String(decoding: words[3], as: UTF8.self) : ""
                } else if keyword == "HELP" {
                    helped.insert(name)
                }
                continue
            }
            let sample = try Sample(line, lineNumber: lineNumber)
            // Samples of one family come in a run: the name is looked up once per run.
            if !sample.name.elementsEqual(checkedName) {
                let name = String(decoding: sample.name, as: UTF8.self)
                guard let family = familyName(of: name, typed: typed) else {
                    throw PushBodyError(line: lineNumber, message: "sample '\(name)' has no # TYPE line before it")
                }
                guard helped.contains(family) else {
                    throw PushBodyError(line: lineNumber, message: "family '\(family)' has no # HELP line before it")
                }
                checkedName = sample.name
            }
            guard sample.fieldsAfterLabels == 1 else {
                let name = String(decoding: sample.name, as: UTF8.self)
                throw PushBodyError(
                    line: lineNumber,
                    message: sample.fieldsAfterLabels > 1
                        ? "sample '\(name)' has a timestamp, which the Pushgateway refuses"
                        : "sample '\(name)' has no value")
            }
        }
    }

    /// The `# TYPE`d family a sample belongs to (histogram and summary samples carry suffixes).
    static func familyName(of sample: String, typed: [String: String]) -> String? {
        if typed[sample] != nil { return sample }
        for suffix in ["_bucket", "_sum", "_count", "_created"] where sample.hasSuffix(suffix) {
            let family = String(sample.dropLast(suffix.count))
            if let type = typed[family], type == "histogram" || type == "summary" { return family }
        }
        return nil
    }

    static func lineCount(_ bytes: [UInt8]) -> Int { bytes.count { $0 == UInt8(ascii: "\n") } + 1 }

    /// A sample line split into its name and what follows the labels.
    struct Sample {
        var name: ArraySlice<UInt8>
        /// Space-separated fields after the name and labels: 1 is a value, 2 a value and a timestamp.
        var fieldsAfterLabels: Int

        init(_ line: ArraySlice<UInt8>, lineNumber: Int) throws(PushBodyError) {
            var index = line.startIndex
            while index < line.endIndex && line[index] != UInt8(ascii: "{") && line[index] != UInt8(ascii: " ") {
                index += 1
            }
            name = line[line.startIndex..<index]
            if index < line.endIndex && line[index] == UInt8(ascii: "{") {
                // Label values are quoted and may hold `}`, spaces and escaped quotes.
                var quoted = false
                index += 1
                while index < line.endIndex {
                    let byte = line[index]
                    if quoted {
                        if byte == UInt8(ascii: "\\") {
                            index += 1
                        } else if byte == UInt8(ascii: "\"") {
                            quoted = false
                        }
                    } else if byte == UInt8(ascii: "\"") {
                        quoted = true
                    } else if byte == UInt8(ascii: "}") {
                        break
                    }
                    index += 1
                }
                guard index < line.endIndex else {
                    throw PushBodyError(
                        line: lineNumber, message: "sample '\(String(decoding: name, as: UTF8.self))' has unterminated labels")
                }
                index += 1
            }
            // Count the space-separated fields without splitting.
            var fields = 0
            var inField = false
            while index < line.endIndex {
                let isSpace = line[index] == UInt8(ascii: " ")
                if !isSpace && !inField { fields += 1 }
                inField = !isSpace
                index += 1
            }
            fieldsAfterLabels = fields
        }
    }
}

/// A body the Pushgateway would refuse or misread; a defect of the pusher, never sent.
public struct PushBodyError: Error, Sendable, CustomStringConvertible {
    /// 1-based line of the body (0 for the body as a whole).
    public var line: Int
    public var message: String

    public var description: String { "push body line \(line): \(message)" }
}
