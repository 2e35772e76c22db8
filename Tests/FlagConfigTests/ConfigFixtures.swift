import FlagConfig
import FlagEngine

#if canImport(Glibc)
import Glibc
#endif

/// Paths of the repository's files (the seed system's flags file is a copy in Tests/Fixtures), found from this source file.
enum ConfigFixtures {
    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static let seedFile = repositoryRoot + "/Tests/Fixtures/prompt-improver-feature_flags.yaml"
    static let shippedFile = repositoryRoot + "/config/feature_flags.yaml"

    /// Loads YAML text named `name`.
    static func load(_ yaml: String, name: String = "test.yaml", environment: String = "development", strict: Bool = false)
        throws(FlagConfigError) -> LoadedConfig
    {
        try FlagConfigLoader.load(base: ConfigText(name: name, text: yaml), environment: environment, strict: strict)
    }

    /// The error for `yaml`, or `nil` when it loads.
    static func error(_ yaml: String, environment: String = "development", strict: Bool = false) -> FlagConfigError? {
        do {
            _ = try load(yaml, environment: environment, strict: strict)
            return nil
        } catch {
            return error
        }
    }

    /// Runs `body` with a fresh temporary directory, removed with everything in it afterwards.
    static func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
        // mkdtemp's template: the six X are replaced by a unique name.
        var template = Array((TemporaryFolder.path + "/ffe-test-XXXXXX").utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FixtureError(message: "mkdtemp failed in \(TemporaryFolder.path)")
        }
        let path = String(cString: created)
        defer { removeTree(path) }
        return try body(path)
    }

    /// Removes `path` and everything under it, depth first, without following links.
    private static func removeTree(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                if entry.pointee.d_type == UInt8(DT_DIR) { removeTree(child) } else { unlink(child) }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func write(_ text: String, to path: String) {
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
    }
}

/// `$TMPDIR`, else `/tmp`, as `NSTemporaryDirectory()` reads it (this target does not import Foundation).
enum TemporaryFolder {
    static var path: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        var path = String(cString: value)
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
