import SystemIO
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
        do {
            return String(decoding: try FileBytes.read(path, limit: maximumFileBytes), as: UTF8.self)
        } catch .tooLarge {
            throw SecretValueError(message: "\(path) is over \(maximumFileBytes) bytes; it cannot be a secret")
        } catch {
            throw SecretValueError(message: "cannot read \(path): \(error.description)")
        }
    }
}

/// Why a ``SecretValue`` could not be read; the message names where it was looked for, never a value.
public struct SecretValueError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
