/// The exporter's version, reported by `--version` and, later, `feature_flag_exporter_build_info`.
public enum BuildInfo {
    /// Semantic version of this build.
    public static let version = "0.1.0"
}
