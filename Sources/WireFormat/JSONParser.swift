public import FlagEngine

/// Why a JSON text was refused, with the byte offset of the fault.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public var description: String { "\(message) at byte \(offset)" }

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
}

/// A strict RFC 8259 parser into ``FlagValue`` with limits on depth, string length and members, for untrusted input.
///
/// Integers that fit in `Int` become `.int`; every other number becomes `.double`. Duplicate object keys keep the
/// last value, as most JSON parsers do. Two keys that differ only in Unicode normalization (`"\u00e9"` and
/// `"e\u0301"`) are refused: every other reader keeps them apart, and a `String`-keyed object cannot.
public struct JSONParser {
    public var maximumDepth = 32
    public var maximumStringBytes = 65_536
    public var maximumMembers = 10_000

    public init() {}

    /// Parses one JSON value that must fill `bytes` (surrounding whitespace allowed).
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> FlagValue {
        var cursor = Cursor(bytes: bytes, limits: self)
        cursor.skipWhitespace()
        let value = try cursor.value(depth: 0)
        cursor.skipWhitespace()
        if cursor.position != bytes.count { throw cursor.fail("unexpected data after the JSON value") }
        return value
    }

    /// Parses one JSON value from text.
    public func parse(_ text: String) throws(JSONParseError) -> FlagValue {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try parse(buffer) }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: JSONParser
        var position = 0

        func fail(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: position) }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(JSONParseError) -> FlagValue {
            guard position < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONParseError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw fail("unexpected end of input") }
            for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] {
                throw fail("invalid literal")
            }
            position += count
        }

        mutating func object(depth: Int) throws(JSONParseError) -> FlagValue {
            if depth > limits.maximumDepth { throw fail("nesting deeper than \(limits.maximumDepth)") }
            position += 1
            var members: [String: FlagValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key")
                }
                let keyOffset = position
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                skipWhitespace()
                let member = try value(depth: depth)
                do {
                    try members.setValue(member, forCodePoints: key)
                } catch {
                    throw JSONParseError(message: "object keys \(error); no other JSON reader merges them", offset: keyOffset)
                }
                if members.count > limits.maximumMembers { throw fail("more than \(limits.maximumMembers) members") }
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                position += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) -> FlagValue {
            if depth > limits.maximumDepth { throw fail("nesting deeper than \(limits.maximumDepth)") }
            position += 1
            var items: [FlagValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .list(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                if items.count > limits.maximumMembers { throw fail("more than \(limits.maximumMembers) items") }
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                position += 1
                return .list(items)
            }
        }

        mutating func number() throws(JSONParseError) -> FlagValue {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ cursor: inout Cursor) -> Int {
                let begin = cursor.position
                while cursor.position < cursor.bytes.count, (48...57).contains(cursor.bytes[cursor.position]) {
                    cursor.position += 1
                }
                return cursor.position - begin
            }
            let integerDigits = digits(&self)
            guard integerDigits > 0 else { throw fail("invalid number") }
            if integerDigits > 1, bytes[position - integerDigits] == UInt8(ascii: "0") {
                throw fail("leading zeros are not allowed")
            }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            if position - start > 64 { throw fail("number is longer than 64 characters") }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            if isInteger, let integer = Int(text) { return .int(integer) }
            guard let double = Double(text), double.isFinite else { throw fail("number out of range") }
            return .double(double)
        }

        mutating func string() throws(JSONParseError) -> String {
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    if slice.count > limits.maximumStringBytes { throw fail("string longer than allowed") }
                    guard let text = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8") }
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character in string") }
                position += 1
            }
            var scalars = String.UnicodeScalarView()
            guard let prefix = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            else { throw fail("invalid UTF-8") }
            scalars.append(contentsOf: prefix.unicodeScalars)
            var pending: [UInt8] = []
            func flush(_ cursor: Cursor) throws(JSONParseError) {
                guard !pending.isEmpty else { return }
                guard let text = String(validating: pending, as: UTF8.self) else { throw cursor.fail("invalid UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                pending.removeAll(keepingCapacity: true)
            }
            while position < bytes.count {
                let byte = bytes[position]
                if position - start > limits.maximumStringBytes { throw fail("string longer than allowed") }
                if byte == UInt8(ascii: "\"") {
                    try flush(self)
                    position += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw fail("control character in string") }
                if byte != UInt8(ascii: "\\") {
                    pending.append(byte)
                    position += 1
                    continue
                }
                try flush(self)
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate") }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    scalars.append(scalar)
                default:
                    throw fail("invalid escape")
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("invalid \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case 48...57: digit = UInt32(byte - 48)
                case 65...70: digit = UInt32(byte - 55)
                case 97...102: digit = UInt32(byte - 87)
                default: throw fail("invalid \\u escape")
                }
                value = value * 16 + digit
                position += 1
            }
            return value
        }
    }
}
