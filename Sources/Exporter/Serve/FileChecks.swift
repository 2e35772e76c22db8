import CFileInfo

/// File checks the command line needs before anything is loaded.
public enum FileChecks {
    /// Whether `path` names a regular file (following symlinks).
    public static func isRegularFile(_ path: String) -> Bool {
        var info = cfileinfo_t()
        return cfileinfo_path(path, &info) == 0 && info.is_regular != 0
    }
}
