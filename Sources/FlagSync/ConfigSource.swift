import CurlHTTP
import FlagConfig

/// Where the flags file comes from, chosen by the form of `--config.file` (or `source.url` of `exporter.yaml`).
public enum ConfigSource: Sendable, Hashable, CustomStringConvertible {
    /// A local path, with its `_<environment>` overlay beside it; watched with inotify.
    case file(path: String)
    /// An `http://` or `https://` URL, fetched with ETag / If-None-Match.
    case http(url: String)
    /// An AWS SSM Parameter Store parameter (GetParameter with decryption), in `region`.
    case ssm(parameter: String, region: String)

    /// Reads a source: `http(s)://...`, `ssm://<name>?region=R` (a leading `/` of the name is written
    /// `ssm:///path/name`), `file://<path>` or a plain path. The SSM region defaults to AWS_REGION, then
    /// AWS_DEFAULT_REGION.
    public init(parsing text: String, environment: [String: String] = [:]) throws(ConfigSourceError) {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            guard text.split(separator: "/", omittingEmptySubsequences: true).count >= 2 else {
                throw ConfigSourceError(source: text, message: "the URL has no host")
            }
            self = .http(url: text)
        } else if text.hasPrefix("ssm://") {
            let rest = text.dropFirst("ssm://".count)
            let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            var region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
            if parts.count == 2 {
                for pair in parts[1].split(separator: "&") {
                    let keyValue = pair.split(separator: "=", maxSplits: 1)
                    guard keyValue.count == 2 else { continue }
                    if keyValue[0] == "region" { region = String(keyValue[1]) } else {
                        throw ConfigSourceError(source: text, message: "unknown query parameter '\(keyValue[0])'; only region is known")
                    }
                }
            }
            guard !name.isEmpty, name.utf8.count <= 2048,
                name.utf8.allSatisfy({ byte in
                    (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                        || Array("_.-/".utf8).contains(byte)
                })
            else {
                throw ConfigSourceError(source: text, message: "'\(name)' is not a valid SSM parameter name ([A-Za-z0-9_.-/])")
            }
            guard let region, !region.isEmpty,
                region.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") })
            else {
                throw ConfigSourceError(source: text, message: "no AWS region: add ?region=R or set AWS_REGION")
            }
            self = .ssm(parameter: name, region: region)
        } else if text.hasPrefix("file://") {
            self = .file(path: String(text.dropFirst("file://".count)))
        } else if text.contains("://") {
            throw ConfigSourceError(source: text, message: "unknown scheme; use a path, http(s):// or ssm://")
        } else {
            guard !text.isEmpty else { throw ConfigSourceError(source: text, message: "the path is empty") }
            self = .file(path: text)
        }
    }

    /// The source as logs and the `source` label show it (an http URL without credentials).
    public var description: String {
        switch self {
        case .file(let path): path
        case .http(let url): CurlHTTPClient.redacted(url)
        case .ssm(let parameter, let region): "ssm://\(parameter)?region=\(region)"
        }
    }

    /// The overlay of `environment` beside this source, under the naming rule of local files: the last path segment
    /// `stem.ext` becomes `stem_<environment>.ext` (for a URL, in its path; its query stays), an SSM parameter name
    /// gets `_<environment>` appended.
    public func overlay(for environment: String) -> ConfigSource {
        switch self {
        case .file(let path):
            return .file(path: FlagConfigLoader.overlayPath(for: path, environment: environment))
        case .http(let url):
            let end = url.firstIndex { $0 == "?" || $0 == "#" } ?? url.endIndex
            return .http(url: FlagConfigLoader.overlayPath(for: String(url[..<end]), environment: environment) + url[end...])
        case .ssm(let parameter, let region):
            return .ssm(parameter: parameter + "_" + environment, region: region)
        }
    }

    /// Whether this is a local file.
    public var isFile: Bool {
        if case .file = self { return true }
        return false
    }
}

/// A `--config.file` value that names no usable source.
public struct ConfigSourceError: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var message: String

    public var description: String { "config source '\(CurlHTTPClient.redacted(source))': \(message)" }
}
