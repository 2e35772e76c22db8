/// A position in a configuration file: 1-based line and column (columns count Unicode scalars, as libyaml does).
/// Line 0 means the file as a whole (it cannot be read, or the problem is not at any one place in it).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The file as a whole.
    public init(file: String) {
        self.init(file: file, line: 0, column: 0)
    }

    /// `file:line:column`, or just `file` for the file as a whole.
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}
