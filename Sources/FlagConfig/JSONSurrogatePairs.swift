/// JSON's escapes for characters beyond the Basic Multilingual Plane, made readable to libyaml.
///
/// JSON writes such a character as a UTF-16 surrogate pair, `"\uD83D\uDE0A"` (Python's `json.dumps` does, by
/// default). YAML, whose parser reads our JSON too, takes `\u` escapes only for code points, and surrogates are not
/// code points: libyaml refused the whole file. A JSON text's pairs are rewritten as YAML's `\U0001F60A`, the same
/// character. That is two characters shorter, so the columns libyaml reports after it on the same line are put back
/// by ``ColumnCorrections``: diagnostics keep pointing at the bytes of the file as written.
enum JSONSurrogatePairs {
    /// The text with every surrogate-pair escape inside a string rewritten, and where the columns moved; nil when the
    /// text does not look like JSON (its first non-blank byte is not `{` or `[`) or has no pair to rewrite.
    static func rewrite(_ bytes: [UInt8]) -> (bytes: [UInt8], corrections: ColumnCorrections)? {
        guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }),
            first == UInt8(ascii: "{") || first == UInt8(ascii: "["), containsPairEscape(bytes)
        else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var corrections = ColumnCorrections()
        var line = 0
        var column = 0  // in characters, of the rewritten text
        var inString = false
        var index = 0
        func emit(_ byte: UInt8) {
            output.append(byte)
            if byte == 0x0A {
                line += 1
                column = 0
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
                emit(byte)
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = false
            } else if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if let scalar = pair(bytes, at: index) {
                    for escaped in Array("\\U".utf8) + Array(hex8(scalar).utf8) { emit(escaped) }
                    corrections.add(line: line, fromColumn: column, shift: 2)
                    index += 12
                    continue
                }
                // Any other escape is copied whole, so that `\\` never starts a new one.
                emit(byte)
                emit(bytes[index + 1])
                index += 2
                continue
            }
            emit(byte)
            index += 1
        }
        return (output, corrections)
    }

    private static func containsPairEscape(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] | 0x20 == UInt8(ascii: "u"), bytes[index + 2] | 0x20 == UInt8(ascii: "d") {
                return true
            }
            index += 1
        }
        return false
    }

    /// The code point of `\uD8xx\uDCxx` at `index`, if a high and a low surrogate escape are there.
    private static func pair(_ bytes: [UInt8], at index: Int) -> UInt32? {
        guard index + 12 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 6] == UInt8(ascii: "\\"),
            bytes[index + 7] == UInt8(ascii: "u"), let high = hex4(bytes[(index + 2)..<(index + 6)]),
            let low = hex4(bytes[(index + 8)..<(index + 12)]), (0xD800...0xDBFF).contains(high), (0xDC00...0xDFFF).contains(low)
        else { return nil }
        return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    }

    private static func hex4(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            guard let nibble = Character(Unicode.Scalar(digit)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    private static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// Where a rewritten text's columns differ from the file's: per line (0-based), the columns (0-based, in characters of
/// the rewritten text) from which each shift applies.
struct ColumnCorrections: Sendable {
    private var shifts: [Int: [(from: Int, shift: Int)]] = [:]

    var isEmpty: Bool { shifts.isEmpty }

    mutating func add(line: Int, fromColumn: Int, shift: Int) {
        shifts[line, default: []].append((fromColumn, shift))
    }

    /// How many columns to add to a 0-based column of the rewritten text to find it in the file.
    func shift(line: Int, column: Int) -> Int {
        guard let entries = shifts[line] else { return 0 }
        return entries.reduce(0) { total, entry in entry.from <= column ? total + entry.shift : total }
    }
}
