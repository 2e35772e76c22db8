#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// The standard `process_*` metrics, read from `/proc` at scrape time, as the Prometheus client libraries read them.
public struct ProcessMetrics: Sendable, Hashable {
    public var cpuSeconds: Double
    public var residentMemoryBytes: Double
    public var virtualMemoryBytes: Double
    public var openFileDescriptors: Double
    public var maximumFileDescriptors: Double
    public var startTimeSeconds: Double

    /// The current process's values, or `nil` where `/proc` is not there.
    public static func current() -> ProcessMetrics? {
        guard let stat = readSmallFile("/proc/self/stat"),
            let closing = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
        guard fields.count >= 22 else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return ProcessMetrics(
            cpuSeconds: (field(14) + field(15)) / ticks,
            residentMemoryBytes: field(24) * pageSize,
            virtualMemoryBytes: field(23),
            openFileDescriptors: Double(countOpenFileDescriptors()),
            maximumFileDescriptors: Double(limit.rlim_cur),
            startTimeSeconds: bootTime() + field(22) / ticks)
    }

    private static func bootTime() -> Double {
        guard let text = readSmallFile("/proc/stat") else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" ")) ?? 0
        }
        return 0
    }

    private static func countOpenFileDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name[0] == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        // The directory stream itself holds one descriptor while we count.
        return max(0, count - 1)
    }

    static func readSmallFile(_ path: String) -> String? {
        (try? FileBytes.read(path, limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) }
    }
}
