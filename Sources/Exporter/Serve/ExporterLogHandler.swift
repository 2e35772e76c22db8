public import Logging
import FlagEngine
import WireFormat
#if canImport(Glibc)
import Glibc
#endif

/// The log line formats of `--log.format`, as Prometheus exporters write them.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `ts=... level=info caller=... msg="..." key=value`
    case logfmt
    /// One JSON object per line.
    case json
}

/// A swift-log handler writing logfmt or JSON lines to standard error.
public struct ExporterLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, Logger.MetadataValue)] = [
            ("ts", .string(Self.timestamp())), ("level", .string(event.level == .warning ? "warn" : event.level.rawValue)),
            ("logger", .string(label)), ("msg", .string(event.message.description)),
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() { fields.append((key, merged[key]!)) }
        var line = ""
        switch format {
        case .logfmt:
            for (index, field) in fields.enumerated() {
                if index > 0 { line += " " }
                line += field.0
                line += "="
                line += Self.logfmtValue(field.1.description)
            }
        case .json:
            line = JSONWriter.object { object in
                for (key, value) in fields { object.add(key, Self.jsonValue(value)) }
            }
        }
        line += "\n"
        line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline })
        guard needsQuotes else { return value }
        var quoted = "\""
        for character in value {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }

    /// A metadata value as the JSON value it stands for: numbers and booleans given as `.stringConvertible` stay
    /// numbers and booleans, lists and dictionaries stay arrays and objects; everything else is a string.
    static func jsonValue(_ value: Logger.MetadataValue) -> FlagValue {
        switch value {
        case .string(let text):
            return .string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let flag as Bool: return .bool(flag)
            case let number as Int: return .int(number)
            case let number as Int64: return .int(Int(number))
            case let number as UInt64 where number <= UInt64(Int.max): return .int(Int(number))
            case let number as Double where number.isFinite: return .double(number)
            default: return .string(convertible.description)
            }
        case .array(let items):
            return .list(items.map(jsonValue))
        case .dictionary(let members):
            return .object(members.mapValues(jsonValue))
        }
    }

    static func timestamp() -> String {
        RFC3339Time.format(EvaluationClock.system.now(), fractionalDigits: 3)
    }
}
