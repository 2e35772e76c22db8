import Foundation
import SystemIO
import Testing

@Suite("SystemIO: bounded whole-file reads, clocks and sleeps")
struct FileBytesTests {
    static func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "filebytes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("what cannot be read is named, and nothing blocks")
    func refusals() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/dangling", withDestinationPath: directory + "/gone")
        try Data(repeating: 65, count: 100).write(to: URL(fileURLWithPath: directory + "/big"))
        let cases: [(String, FileReadError, String)] = [
            (directory, .notRegularFile(kind: "a directory"), "is a directory, not a regular file"),
            (fifo, .notRegularFile(kind: "a FIFO (named pipe)"), "is a FIFO (named pipe), not a regular file"),
            (directory + "/missing", .cannotOpen(reason: "No such file or directory"), "cannot open: No such file or directory"),
            (directory + "/dangling", .danglingSymbolicLink, "is a symbolic link to a file that does not exist"),
            (directory + "/big", .tooLarge(size: 100, limit: 99), "file is 100 bytes, over the limit of 99"),
        ]
        for (path, expected, message) in cases {
            #expect(throws: expected, "\(path)") { try FileBytes.read(path, limit: 99) }
            #expect(expected.description == message)
        }
        #expect(try FileBytes.read(directory + "/big", limit: 100).count == 100)
    }

    @Test("/proc files say 0 bytes and are read whole; the limit still holds while reading")
    func procFiles() throws {
        let status = try FileBytes.read("/proc/self/status", limit: 1 << 20)
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
        #expect(throws: FileReadError.tooLarge(size: nil, limit: 10)) { try FileBytes.read("/proc/self/status", limit: 10) }
    }

    @Test("the monotonic clock moves with a thread sleep; a sleep told to stop returns early")
    func clocksAndSleeps() {
        let started = SystemClock.monotonicSeconds()
        ThreadSleep.sleep(seconds: 0.05)
        #expect(SystemClock.monotonicSeconds() - started >= 0.05)
        #expect(abs(SystemClock.unixSeconds() - Date().timeIntervalSince1970) < 1)
        let interrupted = SystemClock.monotonicSeconds()
        #expect(!ThreadSleep.sleep(10, while: { SystemClock.monotonicSeconds() - interrupted < 0.15 }))
        #expect(SystemClock.monotonicSeconds() - interrupted < 1)
    }
}
