/// A group on the Pushgateway: the job and the other grouping labels, which together name the URL
/// `/metrics/job/<job>{/<label>/<value>}` that a push replaces and a delete removes.
///
/// Values are encoded as the Pushgateway requires: a value that is empty or contains `/` is sent as URL-safe
/// base64 under `<label>@base64` (an empty one as `=`, and `.` and `..` too); any other byte outside the URL's unreserved set is
/// percent-encoded.
public struct PushGroup: Sendable, Hashable, CustomStringConvertible {
    public let job: String
    /// The grouping labels after `job`, in the order given.
    public let labels: [Label]

    public struct Label: Sendable, Hashable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A group; throws when the job is empty or a label name is invalid, reserved or repeated.
    public init(job: String, labels: [Label] = []) throws(PushGroupError) {
        guard !job.isEmpty else { throw PushGroupError(message: "the job name must not be empty") }
        var seen: Set<String> = ["job"]
        for label in labels {
            guard Self.isValidLabelName(label.name) else {
                throw PushGroupError(message: "'\(label.name)' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)")
            }
            guard !label.name.hasPrefix("__") else {
                throw PushGroupError(message: "label names starting with __ are reserved: '\(label.name)'")
            }
            guard seen.insert(label.name).inserted else {
                throw PushGroupError(
                    message: label.name == "job"
                        ? "job is set by --job, not as a grouping label"
                        : "grouping label '\(label.name)' is given twice")
            }
        }
        self.job = job
        self.labels = labels
    }

    /// Parses `name=value` (the value may be empty and may contain `=`).
    public static func label(parsing text: String) throws(PushGroupError) -> Label {
        guard let equals = text.firstIndex(of: "=") else {
            throw PushGroupError(message: "grouping '\(text)' is not name=value")
        }
        return Label(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }

    /// The path after the gateway's base URL: `/metrics/job/<job>{/<label>/<value>}`.
    public var path: String {
        var path = "/metrics/" + Self.segment(name: "job", value: job)
        for label in labels { path += "/" + Self.segment(name: label.name, value: label.value) }
        return path
    }

    /// `job="x", a="b"`, for messages.
    public var description: String {
        ([("job", job)] + labels.map { ($0.name, $0.value) }).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ", ")
    }

    static func segment(name: String, value: String) -> String {
        if value.isEmpty { return name + "@base64/=" }
        // `.` and `..` would be collapsed as path steps on the way, so they are sent as base64 too.
        if value.contains("/") || value == "." || value == ".." {
            return name + "@base64/" + base64URL(Array(value.utf8))
        }
        return name + "/" + percentEncoded(value)
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 48 && $0 <= 57) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) }

    /// RFC 4648 §5 (URL- and filename-safe alphabet), with padding, as the Pushgateway's examples write it.
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let chunk =
                UInt32(bytes[index]) << 16 | (remaining > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(bytes[index + 2]) : 0)
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(remaining > 1 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(chunk & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Every byte outside RFC 3986's unreserved set as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            let unreserved =
                isLetter(byte) || (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Why a grouping key is unusable.
public struct PushGroupError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
