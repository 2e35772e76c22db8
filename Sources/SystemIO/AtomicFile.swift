#if canImport(Glibc)
    public import Glibc
#endif

/// Whole files written so that a reader sees the old content or the new, never half of it, and a crash leaves the
/// old one: the config cache and the starter bundle. The text goes to a temporary file beside `path`, is synced to
/// disk, and is renamed over `path`.
public enum AtomicFile {
    /// Writes `text` to `path` with permissions `mode`, replacing what was there.
    public static func write(_ text: String, to path: String, mode: mode_t) throws(FileWriteError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileWriteError(path: temporary, reason: errnoText()) }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(descriptor)
                unlink(temporary)
                throw FileWriteError(path: temporary, reason: reason)
            }
            written += count
        }
        bytes.removeAll()
        if fsync(descriptor) != 0 || close(descriptor) != 0 {
            let reason = errnoText()
            unlink(temporary)
            throw FileWriteError(path: temporary, reason: reason)
        }
        guard rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason)
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why a file could not be written: the file the step failed on (the temporary one, or the target at the rename)
/// and the system's reason.
public struct FileWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
