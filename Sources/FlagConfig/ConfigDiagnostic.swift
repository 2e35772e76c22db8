import FlagEngine

/// One finding about a configuration, located like a compiler message.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    /// Where in the document, for example `flags.X.rollout.percentage`; empty for syntax errors.
    public var path: String
    public var message: String
    /// The source line and a caret under the column, when the source text is known.
    public var excerpt: String?

    public init(
        severity: Severity,
        location: SourceLocation,
        path: String,
        message: String,
        excerpt: String? = nil
    ) {
        self.severity = severity
        self.location = location
        self.path = path
        self.message = message
        self.excerpt = excerpt
    }

    /// `file:line:column: path: message` (warnings say `warning:` after the location), then the excerpt.
    public var description: String {
        var text = "\(location): "
        if severity == .warning { text += "warning: " }
        if !path.isEmpty { text += "\(path): " }
        text += message
        if let excerpt { text += "\n" + excerpt }
        return text
    }
}

/// A configuration that was refused: every error found (and the warnings), each located.
public struct FlagConfigError: Error, Sendable, CustomStringConvertible {
    /// Which step refused the config: the `error_type` of `feature_flag_refresh_failure_total`.
    public enum Stage: String, Sendable, Hashable {
        /// The file could not be read (missing, not a regular file, too large, not UTF-8).
        case io
        /// The text is not well-formed YAML, or exceeds the nesting or node budget.
        case parse
        /// The YAML is well-formed but the flags in it are not valid.
        case validation
    }

    public var diagnostics: [ConfigDiagnostic]
    public var stage: Stage

    public init(diagnostics: [ConfigDiagnostic], stage: Stage = .validation) {
        self.diagnostics = diagnostics
        self.stage = stage
    }

    /// The errors only.
    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Source texts by file name, to cut excerpts for diagnostics.
package struct SourceTexts: Sendable {
    private var texts: [String: String] = [:]

    package init() {}

    package mutating func add(_ text: String, for file: String) { texts[file] = text }

    /// The line at `location` and a caret under its column, indented by two spaces.
    package func excerpt(at location: SourceLocation) -> String? {
        guard let text = texts[location.file], location.line >= 1 else { return nil }
        var currentLine = 1
        var lineStart = text.unicodeScalars.startIndex
        var index = lineStart
        let scalars = text.unicodeScalars
        while index < scalars.endIndex, currentLine < location.line {
            if scalars[index] == "\n" {
                currentLine += 1
                lineStart = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        guard currentLine == location.line else { return nil }
        var lineEnd = lineStart
        while lineEnd < scalars.endIndex, scalars[lineEnd] != "\n", scalars[lineEnd] != "\r" {
            lineEnd = scalars.index(after: lineEnd)
        }
        let line = Array(scalars[lineStart..<lineEnd])
        let column = min(max(0, location.column - 1), line.count)
        // A long line (a minified JSON payload is one) is shown as a window around the column, so that the caret
        // stays under it instead of hundreds of columns past a cut-off excerpt.
        var start = 0
        var end = line.count
        if line.count > Self.maximumExcerptWidth {
            start = max(0, min(column - Self.maximumExcerptWidth / 2, line.count - Self.maximumExcerptWidth))
            end = start + Self.maximumExcerptWidth
        }
        let leading = start > 0 ? "…" : ""
        let trailing = end < line.count ? "…" : ""
        var shown = String.UnicodeScalarView()
        shown.append(contentsOf: line[start..<end])
        // Keep tabs so the caret lines up under tab-indented text.
        let padding = (start > 0 ? " " : "") + line[start..<max(start, column)].map { $0 == "\t" ? "\t" : " " }.joined()
        return "  " + leading + String(shown) + trailing + "\n  " + padding + "^"
    }

    /// The widest excerpt line, in characters.
    static let maximumExcerptWidth = 160

    /// The raw text of line `line` of `file`.
    func line(_ line: Int, of file: String) -> Substring? {
        guard let text = texts[file] else { return nil }
        var remaining = line
        for candidate in text.split(separator: "\n", omittingEmptySubsequences: false) {
            remaining -= 1
            if remaining == 0 { return candidate }
        }
        return nil
    }
}
