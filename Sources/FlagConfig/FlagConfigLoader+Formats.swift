import FlagEngine
#if canImport(Glibc)
import Glibc
#endif

extension FlagConfigLoader {
    /// Loads a flagd definition file or an Unleash client-API payload into a ``FlagSet`` its own engine decides.
    ///
    /// Environments and overlays belong to the seed format: an overlay beside such a source is an error rather than
    /// silently ignored. The checksum covers the text and the environment, as the seed's does.
    ///
    /// - Parameter strict: warnings (unknown fields, unknown strategies or operators) are errors.
    static func loadForeign(
        _ format: FlagSetFormat, base: ConfigText, overlay: ConfigText?, environment: String, strict: Bool
    ) throws(FlagConfigError) -> LoadedConfig {
        if let overlay {
            throw FlagConfigError(diagnostics: [
                ConfigDiagnostic(
                    severity: .error, location: SourceLocation(file: overlay.name, line: 1, column: 1), path: "",
                    message: "an environment overlay applies to the seed format only, and \(base.name) is "
                        + "\(format == .flagd ? "a flagd file" : "an Unleash payload"); remove the overlay or pass "
                        + "--config.overlay none")
            ], stage: .validation)
        }
        var checksumInput = Array(base.text.utf8)
        checksumInput += [0] + Array(environment.utf8)
        var info = FlagSetInfo(checksum: Bucketing.sha256Hex(checksumInput), environment: environment, source: base.name)
        let flagSet: FlagSet
        var warnings: [ConfigDiagnostic]
        switch format {
        case .flagd:
            let decoded = try FlagdFileDecoder.decode(base.text, file: base.name)
            if case .string(let version)? = decoded.flagSet.metadata["version"] { info.version = version }
            warnings = decoded.warnings
            flagSet = FlagSet(flagd: decoded.flagSet, info: info)
        case .unleash, .seed:
            let decoded = try UnleashFileDecoder.decode(base.text, file: base.name, hostname: hostname())
            warnings = decoded.warnings
            flagSet = FlagSet(unleash: decoded.toggleSet, info: info)
        }
        if strict, !warnings.isEmpty {
            throw FlagConfigError(diagnostics: warnings.map { warning in
                var promoted = warning
                promoted.severity = .error
                return promoted
            })
        }
        return LoadedConfig(flagSet: flagSet, warnings: warnings, environment: environment, sources: [base.name])
    }

    /// The machine's host name (`gethostname`), which Unleash's `applicationHostname` strategy compares with.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
