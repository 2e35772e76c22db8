import SystemIO

#if canImport(Glibc)
import Glibc
#endif

/// What `featureflag_exporter init` writes for a team adopting the exporter without this repository: the flags file
/// and its overlays, `exporter.yaml`, the dashboards, the alert rules with their promtool tests, and a
/// `prometheus.yml` that scrapes the exporter and loads the rules. The files are embedded in the binary.
public enum StarterBundle {
    /// One file of the bundle, by its path under the target directory.
    public struct File: Sendable, Hashable {
        public var path: String
        public var contents: String
    }

    /// The bundle. With an `environment`, only that environment's overlay is included (an empty overlay, valid and
    /// ready to fill, when the environment is not one the shipped config knows).
    public static func files(environment: String?) -> [File] {
        var files: [File] = []
        var overlayWritten = false
        for shipped in shippedFiles {
            if shipped.path.hasPrefix("feature_flags_") {
                guard let environment else {
                    files.append(File(path: shipped.path, contents: shipped.contents))
                    continue
                }
                guard shipped.path == "feature_flags_\(environment).yaml" else { continue }
                overlayWritten = true
            }
            files.append(File(path: shipped.path, contents: shipped.contents))
        }
        if let environment, !overlayWritten {
            files.insert(
                File(
                    path: "feature_flags_\(environment).yaml",
                    contents: """
                        # Overrides for the \(environment) environment: the same shape as flags: of feature_flags.yaml, only
                        # the fields that differ. Applied with --environment \(environment) (or ENVIRONMENT=\(environment)).
                        flags: {}

                        """), at: 1)
        }
        files.append(File(path: "prometheus.yml", contents: prometheusSnippet(environment: environment)))
        return files
    }

    static func prometheusSnippet(environment: String?) -> String {
        let environmentFlag = environment.map { " --environment \($0)" } ?? ""
        return """
            # Prometheus for featureflag_exporter: merge into your prometheus.yml (rule paths are relative to this file).
            # Start the exporter in this directory with:
            #   featureflag_exporter --config.file feature_flags.yaml --exporter.config-file exporter.yaml\(environmentFlag)
            # Check the rules with: promtool check rules alerts/*.rules.yml && promtool test rules alerts/tests/*.yml
            # Grafana: import dashboards/*.json (Dashboards > New > Import), or provision them from files.
            global:
              scrape_interval: 15s
              evaluation_interval: 15s

            rule_files:
              - alerts/featureflag_exporter.rules.yml

            scrape_configs:
              - job_name: featureflag_exporter
                static_configs:
                  - targets: ["localhost:10100"]

            """
    }

    /// What happened (or, in a dry run, would happen) to each file.
    public enum Action: String, Sendable {
        case create
        case overwrite
    }

    /// Writes `files` under `directory` (created if missing). Nothing is written when any file exists and `force` is
    /// off: the error lists them. Each file is written to a temporary name and renamed into place.
    @discardableResult
    public static func write(_ files: [File], to directory: String, force: Bool, dryRun: Bool) throws(StarterBundleError)
        -> [(path: String, action: Action)]
    {
        let planned = files.map { file in
            (path: directory + "/" + file.path, action: exists(directory + "/" + file.path) ? Action.overwrite : .create)
        }
        let existing = planned.filter { $0.action == .overwrite }.map(\.path)
        if !existing.isEmpty && !force {
            throw StarterBundleError(
                message: "not overwriting \(existing.count) existing file\(existing.count == 1 ? "" : "s") (use --force):\n"
                    + existing.map { "  " + $0 }.joined(separator: "\n"))
        }
        guard !dryRun else { return planned }
        for file in files {
            let path = directory + "/" + file.path
            try makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
            try writeAtomically(file.contents, to: path)
        }
        return planned
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func makeDirectories(_ path: String) throws(StarterBundleError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw StarterBundleError(message: "cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws(StarterBundleError) {
        do throws(FileWriteError) {
            try AtomicFile.write(text, to: path, mode: 0o644)
        } catch {
            throw StarterBundleError(message: "cannot write \(path): \(error.reason)")
        }
    }
}

/// Why `init` wrote nothing.
public struct StarterBundleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
