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

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        // mkdtemp's template: the six X are replaced by a unique name.
        let base = TemporaryFolder.path
        var template = Array((base + "/ffe-test-XXXXXX").utf8CString)
        let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: path!)
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
