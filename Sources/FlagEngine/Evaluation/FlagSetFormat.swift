/// The flag system a ``FlagSet`` was loaded from, whose engine evaluates it.
public enum FlagSetFormat: String, Sendable, Hashable, CaseIterable {
    /// The seed system's YAML (docs/configuration.md), evaluated by the exporter's own tables.
    case seed
    /// flagd's flag definitions (docs/formats.md), evaluated as flagd does.
    case flagd
    /// Unleash's client-API payload (docs/formats.md), evaluated as the Unleash SDKs do.
    case unleash
}
