import Synchronization
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// Watches a flags file (and its overlay) with inotify and calls back once the files have been quiet for a
/// debounce interval after a change.
///
/// The directory is watched, not the file, so editors and deploy tools that write a new file and rename it over the
/// old one (an atomic replace, which a watch on the old inode would miss) are seen. A watched file is also re-checked
/// every ``safetyInterval`` whatever inotify says, so a missed event (network filesystems) cannot leave it stale.
public final class FileWatcher: Sendable {
    public let paths: [String]
    public let debounce: Double
    public let safetyInterval: Double
    private let running = RunFlag()

    /// - Parameters:
    ///   - paths: the files to watch (all in one directory is the usual case; each directory is watched).
    ///   - onChange: called on the watcher's own thread, with `true` for a change and `false` for a safety check.
    public init(
        paths: [String], debounce: Double = 0.1, safetyInterval: Double,
        onChange: @escaping @Sendable (_ changed: Bool) -> Void
    ) throws(FileWatcherError) {
        self.paths = paths
        self.debounce = debounce
        self.safetyInterval = safetyInterval
        let descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { throw FileWatcherError(message: "inotify_init1: \(String(cString: strerror(errno)))") }
        var directories: [Int32: (directory: String, names: Set<String>)] = [:]
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
        for path in paths {
            let slash = path.lastIndex(of: "/")
            let directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            let watch = inotify_add_watch(descriptor, directory, mask)
            guard watch >= 0 else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw FileWatcherError(message: "cannot watch \(directory): \(message)")
            }
            directories[watch, default: (directory, [])].names.insert(name)
        }
        let watched = directories.mapValues(\.names)
        let running = self.running
        BackgroundThread.start {
            Self.loop(
                descriptor: descriptor, watched: watched, debounce: debounce, safetyInterval: safetyInterval,
                running: running, onChange: onChange)
            close(descriptor)
        }
    }

    /// Stops the watcher (its thread ends within about 250 ms).
    public func stop() { running.stop() }

    deinit { stop() }

    private static func loop(
        descriptor: Int32, watched: [Int32: Set<String>], debounce: Double, safetyInterval: Double,
        running: RunFlag, onChange: @Sendable (Bool) -> Void
    ) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var changedAt: Double?
        var lastCheck = SystemClock.monotonicSeconds()
        while running.isRunning {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let waitMilliseconds: Int32 = changedAt == nil ? 250 : Int32(max(1, debounce * 1000 / 2))
            let ready = poll(&poller, 1, waitMilliseconds)
            if ready > 0 {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count > 0 && relevant(buffer, count: count, watched: watched) { changedAt = SystemClock.monotonicSeconds() }
            }
            let now = SystemClock.monotonicSeconds()
            if let changed = changedAt, now - changed >= debounce {
                changedAt = nil
                lastCheck = now
                onChange(true)
            } else if changedAt == nil && now - lastCheck >= safetyInterval {
                lastCheck = now
                onChange(false)
            }
        }
    }

    /// Whether the events in `buffer` name a watched file (an overflow counts as a change).
    private static func relevant(_ buffer: [UInt8], count: Int, watched: [Int32: Set<String>]) -> Bool {
        var offset = 0
        var found = false
        buffer.withUnsafeBytes { bytes in
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                let nameStart = offset + headerSize
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { found = true }
                if length > 0, nameStart + length <= count {
                    let nameBytes = bytes[nameStart..<(nameStart + length)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    if watched[watch]?.contains(name) == true { found = true }
                }
                offset = nameStart + length
            }
        }
        return found
    }
}

/// inotify could not be set up.
public struct FileWatcherError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
