public import FlagEngine

/// The flag formats the exporter reads: the seed system's YAML (docs/configuration.md), flagd's flag definitions
/// and Unleash's client-API payload (docs/formats.md).
public typealias FlagFileFormat = FlagSetFormat

extension FlagSetFormat {
    /// The format of `text`: flagd when it has a `$schema` naming flagd or a flag with `defaultVariant`; Unleash when
    /// it has a `features` list; else seed. Text that does not parse is the seed format's, whose loader reports it.
    public static func detect(_ text: String, file: String) -> FlagSetFormat {
        // Parsing is only needed when a marker of either format is in the text at all; a seed file (which the loader
        // parses next anyway) is not parsed twice.
        guard text.contains("defaultVariant") || text.contains("flagd") || text.contains("features") else { return .seed }
        guard let root = try? YAMLReader.read(text, file: file) else { return .seed }
        if FlagdFileDecoder.isFlagd(root) { return .flagd }
        return UnleashFileDecoder.isUnleash(root) ? .unleash : .seed
    }
}
