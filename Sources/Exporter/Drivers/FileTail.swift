import CFileInfo
#if canImport(Glibc)
import Glibc
#endif

/// Reads whole lines appended to a file, following rotation and truncation.
struct FileTail {
    enum Event {
        case line([UInt8])
        case tooLong
    }

    let path: String
    let maximumLineBytes: Int
    private var descriptor: Int32 = -1
    private var identity: (device: UInt64, inode: UInt64) = (0, 0)
    private var offset: off_t = 0
    private var partial: [UInt8] = []
    private var discarding = false

    init(path: String, maximumLineBytes: Int) {
        self.path = path
        self.maximumLineBytes = maximumLineBytes
    }

    /// Opens the file if it exists and skips what it already holds.
    mutating func startAtEnd() {
        if openFile() {
            var info = cfileinfo_t()
            if cfileinfo_descriptor(descriptor, &info) == 0 { offset = off_t(info.size) }
        }
    }

    private mutating func openFile() -> Bool {
        let opened = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard opened >= 0 else { return false }
        var info = cfileinfo_t()
        guard cfileinfo_descriptor(opened, &info) == 0, info.is_regular != 0 else {
            close(opened)
            return false
        }
        if descriptor >= 0 { close(descriptor) }
        descriptor = opened
        identity = (info.device, info.inode)
        offset = 0
        partial = []
        discarding = false
        return true
    }

    mutating func readLines(budgetBytes: Int) -> (events: [Event], bytes: Int) {
        // Rotation: the path now names another file (or reappeared).
        var pathInfo = cfileinfo_t()
        if cfileinfo_path(path, &pathInfo) == 0 {
            if descriptor < 0 || pathInfo.inode != identity.inode || pathInfo.device != identity.device {
                // Finish the old file first, then switch.
                if descriptor >= 0 {
                    let rest = drain(budgetBytes: budgetBytes)
                    if !rest.events.isEmpty { return rest }
                }
                guard openFile() else { return ([], 0) }
            }
        }
        guard descriptor >= 0 else { return ([], 0) }
        var info = cfileinfo_t()
        if cfileinfo_descriptor(descriptor, &info) == 0, off_t(info.size) < offset {
            // Truncated in place: start again from the top.
            offset = 0
            partial = []
            discarding = false
        }
        return drain(budgetBytes: budgetBytes)
    }

    private mutating func drain(budgetBytes: Int) -> (events: [Event], bytes: Int) {
        var events: [Event] = []
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while total < budgetBytes {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count <= 0 { break }
            offset += off_t(count)
            total += count
            var start = 0
            // memchr finds each line end; a line being discarded costs no copy at all.
            while start < count {
                let found = chunk.withUnsafeBytes { bytes in
                    memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), count - start)
                }
                guard let found else { break }
                let index = chunk.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!).distance(to: UnsafeRawPointer(found)) }
                append(chunk[start..<index], to: &events)
                finishLine(into: &events)
                start = index + 1
            }
            if start < count { append(chunk[start..<count], to: &events) }
        }
        return (events, total)
    }

    /// For a one-pass read (`push --mirror.file`): the last line when the file does not end with a newline; closes
    /// the file.
    mutating func finish() -> [Event] {
        var events: [Event] = []
        if !partial.isEmpty || discarding { finishLine(into: &events) }
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        return events
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>, to events: inout [Event]) {
        guard !discarding else { return }
        if partial.count + bytes.count > maximumLineBytes {
            events.append(.tooLong)
            partial = []
            discarding = true
            return
        }
        partial += bytes
    }

    private mutating func finishLine(into events: inout [Event]) {
        if discarding {
            discarding = false
            return
        }
        var line = partial
        partial = []
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if !line.isEmpty { events.append(.line(line)) }
    }
}
