/// The exporter's version, reported by `--version` and `feature_flag_exporter_build_info`.
public enum BuildInfo {
    /// Semantic version of this build.
    public static let version = "0.1.0"

    /// The git revision (12 hex digits) the binary was built from, stamped by the RevisionStamp build plugin;
    /// `unknown` for a build outside a git checkout.
    public static let revision = stampedRevision

    /// The Swift compiler this binary was built with.
    public static var swiftVersion: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1"
        #endif
    }
}
