import FlagConfig
import WireFormat
public import FlagEngine
#if canImport(Glibc)
import Glibc
#endif

/// Evaluates JSON lines `{"flag_key": ..., "context": {...}}` and writes one JSON result line per input line, in order.
///
/// A malformed line gets an error line (`{"line":N,"error":"PARSE_ERROR"|"INVALID_CONTEXT","message":...}`) and the
/// run goes on. Lines longer than ``maximumLineBytes`` are refused the same way.
public struct BatchEvaluator: Sendable {
    public static let maximumLineBytes = 1 << 20

    public let flagSet: FlagSet
    /// Environment given to contexts that carry none (the active environment).
    public let defaultEnvironment: String
    public let clock: EvaluationClock

    public init(flagSet: FlagSet, defaultEnvironment: String, clock: EvaluationClock = .system) {
        self.flagSet = flagSet
        self.defaultEnvironment = defaultEnvironment
        self.clock = clock
    }

    /// `{"line", "error", "message"}` for a line that could not be evaluated.
    static func failureLine(_ lineNumber: Int, _ code: String, _ message: String) -> String {
        JSONWriter.object(reservingCapacity: 128) { json in
            json.add("line", lineNumber)
            json.add("error", code)
            json.add("message", message)
        }
    }

    /// The output line for input line number `lineNumber` (1-based), or `nil` for a blank line.
    public func evaluateLine(_ bytes: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> String? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        func failure(_ code: String, _ message: String) -> String { Self.failureLine(lineNumber, code, message) }
        if bytes.count > Self.maximumLineBytes {
            return failure("PARSE_ERROR", "line is \(bytes.count) bytes, over the limit of \(Self.maximumLineBytes)")
        }
        let request: FlagValue
        do {
            request = try JSONParser().parse(bytes)
        } catch {
            return failure("PARSE_ERROR", error.description)
        }
        guard case .object(let members) = request else {
            return failure("PARSE_ERROR", "each line must be a JSON object")
        }
        guard case .string(let flagKey)? = members["flag_key"] else {
            return failure("PARSE_ERROR", "missing string 'flag_key'")
        }
        var context = EvaluationContext()
        if let contextJSON = members["context"], contextJSON != .null {
            do {
                context = try EvaluationContext(json: contextJSON)
            } catch {
                return failure("INVALID_CONTEXT", error.message)
            }
        }
        if context.environment == nil { context.environment = defaultEnvironment }
        let defaultValue = members["default_value"] ?? .null
        return flagSet.evaluate(flagKey, in: context, defaultValue: defaultValue, clock: clock).jsonLine
    }

    /// Reads lines from `input` until end of file and writes results to `output`, buffered.
    public func run(input: Int32, output: Int32) throws(BatchIOError) {
        var reader = LineReader(descriptor: input, maximumLineBytes: Self.maximumLineBytes)
        var writer = BufferedWriter(descriptor: output)
        var lineNumber = 0
        while let line = try reader.nextLine() {
            lineNumber += 1
            let result: String?
            switch line {
            case .complete(let bytes):
                result = bytes.withUnsafeBufferPointer { evaluateLine($0, lineNumber: lineNumber) }
            case .oversized(let length):
                result = Self.failureLine(
                    lineNumber, "PARSE_ERROR", "line is over \(length) bytes, over the limit of \(Self.maximumLineBytes)")
            }
            if let result {
                try writer.write(result)
                try writer.write("\n")
            }
        }
        try writer.flush()
    }
}

/// An I/O failure while reading or writing a stream, with the system's reason.
public struct BatchIOError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Reads newline-separated lines from a file descriptor; lines over the limit are skipped and reported by length.
struct LineReader {
    enum Line {
        case complete([UInt8])
        case oversized(Int)
    }

    let descriptor: Int32
    let maximumLineBytes: Int
    private var buffer: [UInt8] = []
    /// One read buffer for the whole stream, not one per read.
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var finished = false

    init(descriptor: Int32, maximumLineBytes: Int) {
        self.descriptor = descriptor
        self.maximumLineBytes = maximumLineBytes
    }

    mutating func nextLine() throws(BatchIOError) -> Line? {
        var skipping = 0
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if skipping > 0 { return .oversized(skipping + line.count) }
                return .complete(line)
            }
            if buffer.count - start > maximumLineBytes {
                skipping += buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            if finished {
                guard start < buffer.count || skipping > 0 else { return nil }
                let line = Array(buffer[start...])
                buffer.removeAll()
                start = 0
                return skipping > 0 ? .oversized(skipping + line.count) : .complete(line)
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw BatchIOError(message: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                finished = true
            } else {
                buffer += chunk[0..<count]
            }
        }
    }
}

/// Buffers output and writes it to a file descriptor in large blocks.
struct BufferedWriter {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) throws(BatchIOError) {
        buffer += text.utf8
        if buffer.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws(BatchIOError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw BatchIOError(message: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
