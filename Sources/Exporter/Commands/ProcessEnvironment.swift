public import FlagEngine
import WireFormat
import FlagConfig
#if canImport(Glibc)
import Glibc
#endif

/// The process's environment variables.
public enum ProcessEnvironment {
    public static func variables() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }
}

/// Writes a line to standard error.
public func printToStandardError(_ text: String, newline: Bool = true) {
    var line = text
    if newline { line += "\n" }
    line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}

/// The environments a flags file knows, for `check` without `--environment`.
public enum KnownEnvironments {
    /// development, staging and production, then any other environment declared under `environments:` or with an
    /// overlay file `<stem>_<env>.yaml` beside the file, in that order.
    public static func list(forConfigAt path: String) -> [String] {
        var names = ["development", "staging", "production"]
        for name in FlagConfigLoader.declaredEnvironments(path: path) where !names.contains(name) {
            names.append(name)
        }
        return names
    }
}

extension AttributeValue {
    /// A command-line attribute value: JSON values keep their type (`true`, `5`, `"5"`, `["a","b"]`,
    /// `{"plan":"pro"}`, as an OFREP context would send them), and so do the seed's Python spellings `True`, `False`
    /// and `None`; anything else (or JSON nested over 16 deep) is text.
    public init(commandLine text: String) {
        switch text {
        case "True": self = .bool(true); return
        case "False": self = .bool(false); return
        case "None": self = .null; return
        default: break
        }
        switch try? JSONParser().parse(text) {
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let string): self = .string(string)
        case .null: self = .null
        case let structured?:
            self = (try? EvaluationContext.attribute("value", structured, depth: 0)) ?? .string(text)
        case nil: self = .string(text)
        }
    }
}
