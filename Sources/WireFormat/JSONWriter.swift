public import FlagEngine
/// The one way the exporter writes JSON objects and arrays (reports, OFREP answers, `eval` lines): members are
/// written in the order they are added, keys and strings escaped and numbers written by ``JSONText``, commas and
/// braces placed by the writer, never by hand.
///
/// A value type that appends to one `String`, so writing an answer costs what concatenating it would.
public struct JSONWriter: Sendable {
    /// The text so far.
    public private(set) var text: String
    /// Open containers: bit `depth - 1` of ``emptyBits`` says whether the innermost has no member yet (at most 64
    /// levels, far more than any answer nests).
    private var depth = 0
    private var emptyBits: UInt64 = 0

    public init(reservingCapacity capacity: Int = 256) {
        text = ""
        text.reserveCapacity(capacity)
    }

    /// Writes one object: `body` adds its members.
    public static func object(reservingCapacity capacity: Int = 256, _ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter(reservingCapacity: capacity)
        writer.object(body)
        return writer.text
    }

    // MARK: - Containers

    /// An object as the next value: `{`, the members `body` adds, `}`.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        open("{")
        body(&self)
        close("}")
    }

    /// An array as the next value: `[`, the elements `body` adds, `]`.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        open("[")
        body(&self)
        close("]")
    }

    /// An object as member `key`.
    public mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        open("{")
        body(&self)
        close("}")
    }

    /// An array as member `key`.
    public mutating func array(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        open("[")
        body(&self)
        close("]")
    }

    // MARK: - Members of an object

    public mutating func add(_ key: String, _ value: String) {
        self.key(key)
        JSONText.writeString(value, to: &text)
    }

    /// `null` when `value` is `nil`.
    public mutating func add(_ key: String, _ value: String?) {
        self.key(key)
        if let value { JSONText.writeString(value, to: &text) } else { text += "null" }
    }

    public mutating func add(_ key: String, _ value: FlagValue) {
        self.key(key)
        JSONText.write(value, to: &text)
    }

    public mutating func add(_ key: String, _ value: Bool) {
        self.key(key)
        text += value ? "true" : "false"
    }

    public mutating func add(_ key: String, _ value: some BinaryInteger) {
        self.key(key)
        text += String(value)
    }

    /// `null` when `value` is `nil`.
    public mutating func add(_ key: String, _ value: (some BinaryInteger)?) {
        self.key(key)
        if let value { text += String(value) } else { text += "null" }
    }

    /// `null` for NaN and infinities.
    public mutating func add(_ key: String, _ value: Double) {
        self.key(key)
        JSONText.writeNumber(value, to: &text)
    }

    /// `null` when `value` is `nil` (or not finite).
    public mutating func add(_ key: String, _ value: Double?) {
        self.key(key)
        if let value { JSONText.writeNumber(value, to: &text) } else { text += "null" }
    }

    /// A list of strings.
    public mutating func add(_ key: String, _ values: [String]) {
        array(key) { array in
            for value in values { array.append(value) }
        }
    }

    // MARK: - Elements of an array

    public mutating func append(_ value: String) {
        separate()
        JSONText.writeString(value, to: &text)
    }

    public mutating func append(_ value: FlagValue) {
        separate()
        JSONText.write(value, to: &text)
    }

    /// A value already written as JSON by its own writer (an element of a bulk answer).
    public mutating func append(json: String) {
        separate()
        text += json
    }

    // MARK: - Punctuation

    private mutating func key(_ key: String) {
        separate()
        JSONText.writeString(key, to: &text)
        text += ":"
    }

    /// A comma before every member or element but the first of its container.
    private mutating func separate() {
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if emptyBits & bit != 0 {
            emptyBits &= ~bit
        } else {
            text += ","
        }
    }

    private mutating func open(_ bracket: String) {
        precondition(depth < 64, "JSON nested deeper than 64 levels")
        text += bracket
        depth += 1
        emptyBits |= 1 << UInt64(depth - 1)
    }

    private mutating func close(_ bracket: String) {
        depth -= 1
        text += bracket
    }
}
