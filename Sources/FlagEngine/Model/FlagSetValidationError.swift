/// A place in the configuration document: `flags.X.targeting_rules[0].variant`.
public enum ConfigPathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
}

/// Formats a path the way messages print it: `flags.X.targeting_rules[0].variant`.
public func formatConfigPath(_ path: [ConfigPathComponent]) -> String {
    var text = ""
    for component in path {
        switch component {
        case .key(let key):
            if !text.isEmpty { text += "." }
            text += key
        case .index(let index):
            text += "[\(index)]"
        }
    }
    return text
}

/// Why a set of flag definitions cannot become a ``FlagSet``: every problem found, each with its document path.
public struct FlagSetValidationError: Error, Sendable, CustomStringConvertible {
    /// One problem.
    public struct Issue: Sendable, Hashable {
        /// Where in the document, so a loader can point at the line and column.
        public var path: [ConfigPathComponent]
        public var message: String

        public init(path: [ConfigPathComponent], message: String) {
            self.path = path
            self.message = message
        }
    }

    public var issues: [Issue]

    public var description: String {
        issues.map { "\(formatConfigPath($0.path)): \($0.message)" }.joined(separator: "\n")
    }
}
