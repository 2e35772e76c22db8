import SystemIO
public import FlagEngine
#if canImport(Glibc)
import Glibc
#endif

/// A configuration that was accepted: the compiled flags and what the loader noticed on the way.
public struct LoadedConfig: Sendable {
    /// The compiled, validated flags of the effective configuration.
    public var flagSet: FlagSet
    /// Warnings (unknown fields); empty in strict mode, where they are errors.
    public var warnings: [ConfigDiagnostic]
    /// The environment the configuration was built for.
    public var environment: String
    /// The files or sources that took part, in merge order.
    public var sources: [String]
    /// The `global_rollout_percentage` applied, if any.
    public var globalRolloutPercentage: Double?
    /// The environments the base file declares a section for under `environments:`.
    public var environmentSections: [String] = []
}

/// Loads flags files (docs/configuration.md): YAML through Yams, environments merged, validated, compiled. All or nothing.
///
/// Nothing here touches the configuration in use: a caller swaps in the returned ``FlagSet`` only on success.
public enum FlagConfigLoader {
    /// Largest file accepted, in bytes.
    public static let maximumFileSize = 16 * 1024 * 1024

    /// The active environment: `explicit`, else `ENVIRONMENT`, else `development`.
    public static func activeEnvironment(explicit: String?, environmentVariables: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environmentVariables["ENVIRONMENT"], !fromEnvironment.isEmpty { return fromEnvironment }
        return "development"
    }

    /// The overlay file for `environment` beside `path`: `feature_flags.yaml` → `feature_flags_<environment>.yaml`.
    public static func overlayPath(for path: String, environment: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let file = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let dot = file.lastIndex(of: ".")
        let stem = dot.map { String(file[..<$0]) } ?? file
        let suffix = dot.map { String(file[$0...]) } ?? ".yaml"
        return directory + stem + "_" + environment + suffix
    }

    /// Loads the flags file at `path` for `environment`, with its `feature_flags_<environment>.yaml` overlay if
    /// one exists beside it.
    ///
    /// - Parameters:
    ///   - strict: unknown fields are errors instead of warnings.
    ///   - format: the file's format; `nil` detects it (``FlagFileFormat/detect(_:file:)``). A flagd or Unleash file
    ///     takes no overlay.
    /// - Throws: ``FlagConfigError`` with every error located by file, line and column.
    public static func load(path: String, environment: String, strict: Bool = false, format: FlagFileFormat? = nil)
        throws(FlagConfigError) -> LoadedConfig
    {
        let base = try readFile(path)
        let format = format ?? FlagFileFormat.detect(base.text, file: base.name)
        if format != .seed { return try loadForeign(format, base: base, overlay: nil, environment: environment, strict: strict) }
        let overlayFile = overlayPath(for: path, environment: environment)
        // Anything at the overlay's path is read, so a directory, FIFO or dangling link there is an error, never a
        // silent fall-back to the base.
        let overlay = pathExists(overlayFile) ? try readFile(overlayFile) : nil
        return try load(base: base, overlay: overlay, environment: environment, strict: strict)
    }

    /// Loads configuration text (for example fetched over HTTP) with an optional overlay text.
    ///
    /// A text of 256 KiB or more is parsed, and a file of 1,024 flags or more decoded and compiled, on two threads
    /// (the calling thread and one from `DispatchQueue.concurrentPerform`); the result, and every error with its
    /// location, is the same as on one.
    ///
    /// `format` is the text's format; `nil` detects it (``FlagFileFormat/detect(_:file:)``). flagd and Unleash texts
    /// are loaded by ``loadForeign(_:base:overlay:environment:strict:)``.
    public static func load(
        base: ConfigText,
        overlay: ConfigText? = nil,
        environment: String,
        strict: Bool = false,
        format: FlagFileFormat? = nil
    ) throws(FlagConfigError) -> LoadedConfig {
        let format = format ?? FlagFileFormat.detect(base.text, file: base.name)
        if format != .seed {
            return try loadForeign(format, base: base, overlay: overlay, environment: environment, strict: strict)
        }
        var sources = SourceTexts()
        sources.add(base.text, for: base.name)
        if let overlay { sources.add(overlay.text, for: overlay.name) }
        let rootLocation = SourceLocation(file: base.name, line: 1, column: 1)
        guard isValidEnvironmentName(environment) else {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: rootLocation, path: "",
                    message: "environment name '\(environment)' must match [A-Za-z0-9_-]{1,64}")
            ])
        }
        guard let baseRoot = try YAMLReader.read(base.text, file: base.name) else {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(severity: .error, location: rootLocation, path: "", message: "the file is empty")
            ])
        }
        let overlayRoot = try overlay.flatMap { overlay throws(FlagConfigError) in
            try YAMLReader.read(overlay.text, file: overlay.name)
        }
        var decoder = FlagFileDecoder(sources: sources)
        let merge = EnvironmentMerge.effective(
            base: baseRoot, overlay: overlayRoot, environment: environment, decoder: &decoder)
        let decoded = decoder.decode(merge.root)
        var diagnostics = decoder.diagnostics
        if strict {
            diagnostics = diagnostics.map { diagnostic in
                var promoted = diagnostic
                promoted.severity = .error
                return promoted
            }
        }
        // Every layer on its own: errors in the base (or in the base with its environment section) that a later
        // layer replaces are still errors, reported at their own file, line and column.
        var hiddenErrors: [ConfigDiagnostic] = []
        for layer in merge.layersBefore {
            for error in layerErrors(layer, sources: sources) where !diagnostics.contains(error) && !hiddenErrors.contains(error) {
                hiddenErrors.append(error)
            }
        }
        if !hiddenErrors.isEmpty {
            // In file order, the base file first, as one pass over the layers would have found them.
            let order = { (diagnostic: ConfigDiagnostic, offset: Int) in
                (diagnostic.location.file == base.name ? 0 : 1, diagnostic.location.line, diagnostic.location.column, offset)
            }
            diagnostics = (diagnostics + hiddenErrors).enumerated()
                .sorted { order($0.element, $0.offset) < order($1.element, $1.offset) }.map(\.element)
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        if hasErrors { throw FlagConfigError(diagnostics: diagnostics) }

        var checksumInput = Array(base.text.utf8)
        if let overlay { checksumInput += [0] + Array(overlay.text.utf8) }
        checksumInput += [0] + Array(environment.utf8)
        let info = FlagSetInfo(
            version: decoded.version, schemaVersion: decoded.schemaVersion,
            checksum: Bucketing.sha256Hex(checksumInput), environment: environment, source: base.name,
            alertThresholds: decoded.alertThresholds)
        do {
            let flagSet = try FlagSet(flags: decoded.definitions, settings: decoded.settings, info: info)
            return LoadedConfig(
                flagSet: flagSet, warnings: diagnostics, environment: environment,
                sources: [base.name] + (overlay.map { [$0.name] } ?? []),
                globalRolloutPercentage: merge.globalRolloutPercentage,
                environmentSections: {
                    if case .mapping(let pairs)? = baseRoot["environments"]?.content { pairs.map(\.key) } else { [] }
                }())
        } catch {
            let located = error.issues.map { issue in
                let location = merge.root.location(of: issue.path)
                return ConfigDiagnostic(
                    severity: .error, location: location, path: formatConfigPath(issue.path), message: issue.message,
                    excerpt: sources.excerpt(at: location))
            }
            throw FlagConfigError(diagnostics: located + diagnostics)
        }
    }

    /// The errors of one layer's document on its own: decoded and compiled like the effective one, warnings left to
    /// the effective document (every key of a layer is in it too).
    static func layerErrors(_ root: YAMLNode, sources: SourceTexts) -> [ConfigDiagnostic] {
        var decoder = FlagFileDecoder(sources: sources)
        let decoded = decoder.decode(root)
        let errors = decoder.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { return errors }
        let info = FlagSetInfo(
            version: decoded.version, schemaVersion: decoded.schemaVersion, checksum: "", environment: "", source: "",
            alertThresholds: decoded.alertThresholds)
        do {
            _ = try FlagSet(flags: decoded.definitions, settings: decoded.settings, info: info)
            return []
        } catch {
            return error.issues.map { issue in
                let location = root.location(of: issue.path)
                return ConfigDiagnostic(
                    severity: .error, location: location, path: formatConfigPath(issue.path), message: issue.message,
                    excerpt: sources.excerpt(at: location))
            }
        }
    }

    static func isValidEnvironmentName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// The line and column (in characters) of the first byte that is not part of valid UTF-8.
    static func invalidUTF8Position(_ bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length = byte < 0x80 ? 1 : byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            if length == 0 || index + length > bytes.count
                || String(validating: bytes[index..<(index + length)], as: UTF8.self) == nil
            {
                let column = String(decoding: bytes[lineStart..<index], as: UTF8.self).unicodeScalars.count + 1
                return (line, column)
            }
            if byte == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += length
        }
        return (line, 1)
    }

    /// "a directory", "a FIFO"...: what a `stat` mode names, for errors.
    /// Whether anything is at `path`: a file of any kind, a directory, or a symbolic link (even a dangling one).
    public static func pathExists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Whether `path` names a regular file (following symlinks).
    public static func fileExists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Reads a whole file as UTF-8, refusing directories, oversized files and invalid UTF-8 with a located error.
    ///
    /// Only regular files are read: the file is opened without blocking (a FIFO would otherwise wait for a writer
    /// forever) and anything else is named in the error. The error is located at the file alone (no line).
    public static func readFile(_ path: String) throws(FlagConfigError) -> ConfigText {
        func failure(_ message: String) -> FlagConfigError {
            FlagConfigError(diagnostics: [
                ConfigDiagnostic(severity: .error, location: SourceLocation(file: path), path: "", message: message)
            ], stage: .io)
        }
        var bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path, limit: maximumFileSize)
        } catch {
            throw failure(error.description)
        }
        // A UTF-8 byte order mark is allowed at the start, as PyYAML allows it, and dropped.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (line, column) = invalidUTF8Position(bytes)
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: SourceLocation(file: path, line: line, column: column), path: "",
                    message: "not valid UTF-8 here (the file must be UTF-8 text)")
            ], stage: .io)
        }
        return ConfigText(name: path, text: text)
    }
}

extension YAMLNode {
    /// The position of the node at `path`, or of the deepest ancestor that exists.
    func location(of path: [ConfigPathComponent]) -> SourceLocation {
        var node = self
        var location = self.location
        for component in path {
            switch (component, node.content) {
            case (.key(let key), .mapping(let pairs)):
                guard let pair = pairs.last(where: { $0.key == key }) else { return location }
                node = pair.value
                location = pair.value.location
            case (.index(let index), .sequence(let items)) where items.indices.contains(index):
                node = items[index]
                location = node.location
            default:
                return location
            }
        }
        return location
    }
}

extension FlagConfigLoader {
    /// The keys of the `environments:` section of a flags text (none when it does not parse).
    public static func environmentSections(of text: ConfigText) -> [String] {
        guard let root = try? YAMLReader.read(text.text, file: text.name),
            case .mapping(let pairs)? = root["environments"]?.content
        else { return [] }
        return pairs.map(\.key).filter(isValidEnvironmentName)
    }

    /// The environments a flags file declares: the keys of its `environments:` section, then those with an overlay
    /// file `<stem>_<environment>.yaml` beside it. Unreadable files declare nothing.
    public static func declaredEnvironments(path: String) -> [String] {
        var names: [String] = []
        if let text = try? readFile(path), let root = try? YAMLReader.read(text.text, file: path),
            case .mapping(let pairs)? = root["environments"]?.content
        {
            names += pairs.map(\.key).filter(isValidEnvironmentName)
        }
        for environment in overlayEnvironments(besidePath: path) where !names.contains(environment) {
            names.append(environment)
        }
        return names
    }

    /// The environments with an overlay file `<stem>_<environment><suffix>` beside `path`, sorted.
    public static func overlayEnvironments(besidePath path: String) -> [String] {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let file = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let stem = file.lastIndex(of: ".").map { String(file[..<$0]) } ?? file
        let suffix = file.lastIndex(of: ".").map { String(file[$0...]) } ?? ".yaml"
        if let handle = opendir(directory) {
            defer { closedir(handle) }
            var found: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                guard name.hasPrefix(stem + "_"), name.hasSuffix(suffix), name.count > stem.count + 1 + suffix.count
                else { continue }
                let environment = String(name.dropFirst(stem.count + 1).dropLast(suffix.count))
                if isValidEnvironmentName(environment) { found.append(environment) }
            }
            return found.sorted()
        }
        return []
    }
}
