/// Unix seconds to and from RFC 3339 text, UTC.
public enum RFC3339Time {
    /// Parses `2026-01-05T00:00:00Z`, offsets, fractional seconds, and a bare date (`2026-01-05`, midnight UTC).
    public static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, let year = number(0, 4), bytes[4] == UInt8(ascii: "-"), let month = number(5, 2),
            bytes[7] == UInt8(ascii: "-"), let day = number(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        if bytes.count == 10 { return Double(daysFromCivil(year, month, day)) * 86_400 }
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
            let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(14, 2),
            bytes[16] == UInt8(ascii: ":"), let second = number(17, 2), hour < 24, minute < 60, second < 61
        else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86_400 + Double(hour * 3600 + minute * 60 + second)
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                seconds += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            return index + 1 == bytes.count ? seconds : nil
        }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), bytes.count == index + 6,
            let offsetHours = number(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
            let offsetMinutes = number(index + 4, 2)
        else { return nil }
        let offset = Double(offsetHours * 3600 + offsetMinutes * 60)
        return bytes[index] == UInt8(ascii: "+") ? seconds - offset : seconds + offset
    }

    /// `2026-01-05T00:00:00Z` (UTC), with `fractionalDigits` (0 to 6) digits of the second after a dot.
    public static func format(_ seconds: Double, fractionalDigits: Int = 0) -> String {
        let whole = Int(seconds.rounded(.down))
        var days = whole / 86_400
        var remainder = whole % 86_400
        if remainder < 0 {
            remainder += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var fraction = ""
        if fractionalDigits > 0 {
            let digits = min(fractionalDigits, 6)
            var scale = 1
            for _ in 0..<digits { scale *= 10 }
            let value = min(scale - 1, Int(((seconds - Double(whole)) * Double(scale)).rounded(.down)))
            let text = String(value)
            fraction = "." + String(repeating: "0", count: digits - text.count) + text
        }
        return "\(year)-\(two(month))-\(two(day))T\(two(remainder / 3600)):\(two(remainder % 3600 / 60)):\(two(remainder % 60))\(fraction)Z"
    }

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
