#if canImport(Glibc)
import Glibc
#endif

/// Where a header value or a credential comes from. It is read when each request is made, so a rotated secret is
/// picked up without a restart, and it is never logged or put into an error.
public enum SecretValue: Sendable, Hashable {
    /// The value as written (for values that are not secret).
    case literal(String)
    /// The value of an environment variable.
    case environmentVariable(String)
    /// The contents of a file, without its final newline (Kubernetes secrets, Docker secrets).
    case file(String)

    /// Files holding a secret are at most this large.
    public static let maximumFileBytes = 64 * 1024

    /// The value now. A missing variable or an unreadable file is an error that names the variable or the file.
    public func resolve(variables: [String: String]) throws(SecretValueError) -> String {
        switch self {
        case .literal(let value):
            return value
        case .environmentVariable(let name):
            guard let value = variables[name], !value.isEmpty else {
                throw SecretValueError(message: "environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            var value = try Self.readFile(path)
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            return value
        }
    }

    private static func readFile(_ path: String) throws(SecretValueError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SecretValueError(message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SecretValueError(message: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= maximumFileBytes else {
                throw SecretValueError(message: "\(path) is over \(maximumFileBytes) bytes; it cannot be a secret")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Why a ``SecretValue`` could not be read; the message names where it was looked for, never a value.
public struct SecretValueError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
