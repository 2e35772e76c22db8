public import FlagConfig
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// The last good config on disk (`--config.cache-file`), so a restart while the store is down serves it instead of
/// nothing. The base text goes to the path and a local file's overlay beside it under the overlay naming
/// (`cache_<environment>.yaml`), so the cache loads like any flags file. Each file is written to a temporary file in
/// the same directory, flushed with fsync and renamed over the old one: a crash leaves the old cache or the new one,
/// never half of one.
public struct ConfigCache: Sendable {
    public let path: String
    public let environment: String

    public init(path: String, environment: String) {
        self.path = path
        self.environment = environment
    }

    var overlayPath: String { FlagConfigLoader.overlayPath(for: path, environment: environment) }

    /// Writes `config` as the new cache.
    public func write(_ config: FetchedConfig) throws(CacheError) {
        if let overlay = config.overlay {
            try Self.writeAtomically(overlay.text, to: overlayPath)
        } else if FlagConfigLoader.fileExists(overlayPath) {
            if unlink(overlayPath) != 0 { throw CacheError(path: overlayPath, message: Self.errnoText()) }
        }
        try Self.writeAtomically(config.base.text, to: path)
    }

    /// Whether a cache exists.
    public var exists: Bool { FlagConfigLoader.fileExists(path) }

    /// Loads the cache as a flags file.
    public func load() throws(FlagConfigError) -> LoadedConfig {
        try FlagConfigLoader.load(path: path, environment: environment)
    }

    static func writeAtomically(_ text: String, to path: String) throws(CacheError) {
        do throws(FileWriteError) {
            try AtomicFile.write(text, to: path, mode: 0o600)
        } catch {
            throw CacheError(path: error.path, message: error.reason)
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// The cache could not be written.
public struct CacheError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "cache \(path): \(message)" }
}
