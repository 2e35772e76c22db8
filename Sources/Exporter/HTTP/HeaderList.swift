/// Comma-separated header values (RFC 9110 §5.6.1), as `Accept-Encoding` and `If-None-Match` carry them.
enum HeaderList {
    /// The items of every value, each without the spaces and tabs around it; empty items are dropped.
    static func items(_ values: [String]) -> [Substring] {
        values.flatMap { $0.split(separator: ",") }.map(trimmed).filter { !$0.isEmpty }
    }

    /// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
    static func trimmed(_ text: Substring) -> Substring {
        var result = text.drop { $0 == " " || $0 == "\t" }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
