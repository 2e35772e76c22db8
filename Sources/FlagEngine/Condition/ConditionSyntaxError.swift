/// Why a condition was refused at load time, and where in its text.
///
/// `line` and `column` are 1-based and count Unicode scalars inside the condition text; the config loader
/// maps them onto the flags file.
public struct ConditionSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for a human.
    public let message: String
    /// Offset of the fault in the condition, in Unicode scalars from its start (0-based).
    public let offset: Int
    /// 1-based line of the fault inside the condition text.
    public let line: Int
    /// 1-based column of the fault inside its line of the condition text.
    public let column: Int

    /// Creates an error at `offset` in `source`, working out its line and column.
    public init(_ message: String, offset: Int, in source: [Unicode.Scalar]) {
        self.message = message
        self.offset = offset
        var line = 1
        var column = 1
        for scalar in source.prefix(offset) {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column): \(message)" }
}
