import Foundation
import SystemIO
import Testing

@Suite("SystemIO: whole files written atomically")
struct AtomicFileTests {
    @Test("the new text replaces the old, with the mode asked for and no temporary file left")
    func replaces() throws {
        let directory = try FileBytesTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cache.yaml"
        try AtomicFile.write("old\n", to: path, mode: 0o600)
        try AtomicFile.write("new text, longer than the old\n", to: path, mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new text, longer than the old\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["cache.yaml"])
    }

    @Test("a failure names the file it happened on and why, and leaves the old content")
    func failures() throws {
        let directory = try FileBytesTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = directory + "/no-such-folder/cache.yaml"
        #expect(throws: FileWriteError(path: missing + ".tmp-\(getpid())", reason: "No such file or directory")) {
            try AtomicFile.write("x", to: missing, mode: 0o600)
        }
        // The rename fails when the target is a non-empty folder: the old content (the folder) stays.
        let target = directory + "/taken"
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        #expect(throws: FileWriteError(path: target, reason: "Is a directory")) {
            try AtomicFile.write("x", to: target, mode: 0o600)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["taken"])
    }
}
