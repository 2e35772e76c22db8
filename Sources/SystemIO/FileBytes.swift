#if canImport(Glibc)
    public import Glibc
#endif

/// Whole small files read into memory, one way everywhere: the flags file, the web config and its PEM files, secrets
/// and `/proc`. Only regular files are read, opened without blocking (a FIFO would otherwise wait for a writer
/// forever), and never more than a limit.
public enum FileBytes {
    /// The bytes of the regular file at `path`, at most `limit` of them.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else {
            let reason = errno
            var link = stat()
            if reason == ENOENT, lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
                throw .danglingSymbolicLink
            }
            throw .cannotOpen(reason: String(cString: strerror(reason)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotStat(reason: String(cString: strerror(errno))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile(kind: kindName(status.st_mode)) }
        // `/proc` files say 0 bytes and have more; the size is a first check, the bytes read are the real one.
        guard Int(status.st_size) <= limit else { throw .tooLarge(size: Int(status.st_size), limit: limit) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .readFailed(reason: String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit { throw .tooLarge(size: nil, limit: limit) }
        }
    }

    /// What a file mode names, for errors: "a directory", "a FIFO (named pipe)", ...
    public static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}

/// Why a file could not be read; each caller words it for its own errors (a located config diagnostic, a secret's
/// message), the reason is the same.
public enum FileReadError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotOpen(reason: String)
    case danglingSymbolicLink
    case cannotStat(reason: String)
    case notRegularFile(kind: String)
    /// Over the limit: by its size when it said so up front, else while reading.
    case tooLarge(size: Int?, limit: Int)
    case readFailed(reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let reason): "cannot open: \(reason)"
        case .danglingSymbolicLink: "is a symbolic link to a file that does not exist"
        case .cannotStat(let reason): "cannot stat: \(reason)"
        case .notRegularFile(let kind): "is \(kind), not a regular file"
        case .tooLarge(let size?, let limit): "file is \(size) bytes, over the limit of \(limit)"
        case .tooLarge(nil, let limit): "file is over the limit of \(limit) bytes"
        case .readFailed(let reason): "read failed: \(reason)"
        }
    }
}
