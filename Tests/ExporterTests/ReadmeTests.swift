import Foundation
import Testing

/// The README's shell blocks, run against the built binary: what they print must be what the README shows, so the
/// README cannot drift from the program again.
@Suite("The README's examples print what the README shows", .serialized)
struct ReadmeTests {
    static let readme: String = (try? String(contentsOfFile: CommandRunner.repositoryRoot + "/README.md", encoding: .utf8)) ?? ""

    /// The README's fenced `sh` blocks, each as its lines.
    static var shellBlocks: [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in readme.components(separatedBy: "\n") {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!)
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    /// Commands of a block with their continuation lines joined, each with the `# ` output lines right below it (a
    /// `# ` line after a blank line describes the next command instead).
    static func commands(in block: [String]) -> [(command: String, shown: [String])] {
        var result: [(command: String, shown: [String])] = []
        var pending = ""
        var attached = false
        for line in block {
            if !pending.isEmpty {
                pending += " " + line.trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("# ") {
                if attached, !result.isEmpty { result[result.count - 1].shown.append(String(line.dropFirst(2))) }
                continue
            } else if line.isEmpty {
                attached = false
                continue
            } else {
                pending = line
            }
            if pending.hasSuffix("\\") {
                pending.removeLast()
                pending = pending.trimmingCharacters(in: .whitespaces)
            } else if !pending.isEmpty {
                // A comment after the command is not part of it.
                if let hash = pending.range(of: "   # ") { pending = String(pending[..<hash.lowerBound]) }
                result.append((pending.trimmingCharacters(in: .whitespaces), []))
                pending = ""
                attached = true
            }
        }
        return result
    }

    static func shell(_ command: String, environment: [String: String] = [:]) throws -> CommandRunner.Output {
        var variables = ["PATH": "/usr/bin:/bin", "B": CommandRunner.binary]
        variables.merge(environment) { $1 }
        return try CommandRunner.run("/bin/sh", ["-c", command], environment: variables)
    }

    @Test("the tour: every check, eval and simulate runs; each output shown is the output printed")
    func tour() throws {
        let block = try #require(Self.shellBlocks.first { $0.contains { $0.hasPrefix("B=.build/release/featureflag_exporter") } })
        var checked = 0
        for (command, shown) in Self.commands(in: block) {
            let words = command.split(separator: " ")
            guard words.first == "$B" || command.contains("| $B ") else { continue }
            guard command.contains(" check ") || command.contains(" eval ") || command.contains(" simulate ") else { continue }
            let output = try Self.shell(command)
            #expect(output.status == 0, "\(command): \(output.standardError)")
            if !shown.isEmpty {
                #expect(output.standardOutput == shown.joined(separator: "\n") + "\n", "\(command)")
            }
            checked += 1
        }
        #expect(checked >= 5)
    }

    @Test("the broken-file example: after setting the percentage to 140, check prints exactly what the README shows")
    func brokenFileExample() throws {
        let lines = Self.readme.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("$ featureflag_exporter check --config.file feature_flags.yaml") })
        let end = try #require(lines[start...].firstIndex { $0 == "```" })
        let command = lines[start].dropFirst("$ featureflag_exporter ".count)
        let shown = lines[(start + 1)..<end].joined(separator: "\n") + "\n"

        let directory = try TemporaryDirectory()
        for name in ["feature_flags.yaml", "feature_flags_development.yaml", "feature_flags_staging.yaml", "feature_flags_production.yaml"] {
            var text = try String(contentsOfFile: CommandRunner.repositoryRoot + "/config/" + name, encoding: .utf8)
            if name == "feature_flags.yaml" {
                var fileLines = text.components(separatedBy: "\n")
                // Line 34: phase1_config_externalization's percentage, as the README says.
                try #require(fileLines[33] == "      percentage: 25.0")
                fileLines[33] = "      percentage: 140"
                text = fileLines.joined(separator: "\n")
            }
            _ = try directory.write(name, text)
        }
        let output = try Self.shell("cd '\(directory.path)' && \"$B\" \(command)")
        #expect(output.status == 1)
        #expect(output.standardOutput == shown)
    }

    @Test("after make run: the curl examples print what the README shows")
    func curlExamples() throws {
        // What `make run` starts, on a free port.
        let directory = try TemporaryDirectory()
        let exporter = try RunningExporter(
            ["--config.file", "config/feature_flags.yaml", "--exporter.config-file", "config/exporter.yaml"],
            directory: directory.path)
        exporter.retained.append(directory)
        defer { exporter.stop() }
        let block = try #require(Self.shellBlocks.first { $0.contains { $0.hasPrefix("curl -s localhost:10100/metrics") } })
        // Let synthetic traffic run a moment, so the counter the first example greps for has counted.
        #expect(try RunningExporter.eventually(timeout: 10) {
            try exporter.sample(
                "feature_flag_rollout_evaluations_total",
                ["flag_key=\"ab_testing\"", "outcome=\"in\"", "source=\"synthetic\""]) ?? 0 > 0
        })
        for (command, shown) in Self.commands(in: block) {
            let local = command.replacingOccurrences(of: "localhost:10100", with: "127.0.0.1:\(exporter.port)")
            let output = try Self.shell(local)
            #expect(output.status == 0, "\(command)")
            guard !shown.isEmpty else { continue }
            // Counters move: compare the series, with every sample value as N, in any order.
            let printed = Self.normalisingSamples(output.standardOutput.components(separatedBy: "\n").filter { !$0.isEmpty })
            let expected = Self.normalisingSamples(shown.filter { !$0.hasPrefix("(") })
            #expect(printed.sorted() == expected.sorted(), "\(command)")
        }
    }

    @Test("the push example pushes to a real Pushgateway and prints the README's line")
    func pushExample() throws {
        let directory = try TemporaryDirectory()
        let gateway = try ExternalServer.pushgateway(directory: directory)
        defer { gateway.stop() }
        let block = try #require(Self.shellBlocks.first { $0.contains { $0.hasPrefix("$B push ") } })
        let (command, shown) = try #require(Self.commands(in: block).first { $0.command.hasPrefix("$B push ") })
        let local = command.replacingOccurrences(of: "http://pushgateway:9091", with: "http://127.0.0.1:\(gateway.port)")
        let output = try Self.shell(local)
        #expect(output.status == 0, "\(output.standardError)")
        let printed = output.standardOutput.replacingOccurrences(of: "127.0.0.1:\(gateway.port)", with: "pushgateway:9091")
        #expect(Self.normalisingNumbers(printed) == Self.normalisingNumbers(shown.joined(separator: "\n") + "\n"))
    }

    /// Exposition lines with their sample values replaced by N.
    static func normalisingSamples(_ lines: [String]) -> [String] {
        lines.map { line in
            guard line.hasPrefix("feature_flag") || line.hasPrefix("{"), let space = line.lastIndex(of: " "), !line.hasPrefix("{")
            else { return line }
            return String(line[..<space]) + " N"
        }
    }

    /// The push line with its byte count and duration (which vary with the process metrics) as N.
    static func normalisingNumbers(_ text: String) -> String {
        var result = text
        for pattern in [#"\d+ bytes"#, #"in \d+ ms"#] {
            result = result.replacingOccurrences(of: pattern, with: "N", options: .regularExpression)
        }
        return result
    }
}

/// Claims the docs make about the repository, checked against it.
@Suite("The docs agree with the repository")
struct DocsAgreeTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: CommandRunner.repositoryRoot + "/" + path, encoding: .utf8)
    }

    static func alertNames() throws -> [String] {
        try read("alerts/featureflag_exporter.rules.yml").components(separatedBy: "\n")
            .compactMap { line in line.range(of: "- alert: ").map { String(line[$0.upperBound...]) } }
    }

    @Test("the alert count in the README and docs/architecture.md is the rules file's")
    func alertCount() throws {
        let count = try Self.alertNames().count
        #expect(count > 0)
        #expect(try Self.read("docs/architecture.md").contains(" \(count) alerts"))
        #expect(try Self.read("README.md").contains(" \(count) alert rules"))
    }

    @Test("every alert's runbook section is under the alerts, none under 'checks without an alert'")
    func runbookSections() throws {
        let runbook = try Self.read("docs/runbook.md")
        let split = try #require(runbook.range(of: "# Operational checks without an alert"))
        let alerts = runbook[..<split.lowerBound]
        let others = runbook[split.upperBound...]
        for name in try Self.alertNames() {
            #expect(alerts.contains("## \(name)\n"), "\(name) has no runbook section among the alerts")
            #expect(!others.contains("## \(name)\n"), "\(name) is listed under checks without an alert")
        }
    }

    @Test("docs/configuration.md's unknown-environment example is what eval prints")
    func unknownEnvironmentExample() throws {
        let configuration = try Self.read("docs/configuration.md")
        let line = try #require(configuration.components(separatedBy: "\n").first {
            $0.hasPrefix("config/feature_flags.yaml: environment 'Production' is not known")
        })
        let output = try CommandRunner.exporter(["eval", "--environment", "Production", "ab_testing", "--user-id", "u"])
        #expect(output.status == 1)
        #expect(output.standardError == line + "\n")
    }

    @Test("nothing in the repository refers to files outside it, and no doc says a shipped feature is planned")
    func wholeRepository() throws {
        let root = CommandRunner.repositoryRoot
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        var offenders: [String] = []
        for case let path as String in enumerator {
            if path.hasPrefix(".build") || path.hasPrefix(".git/") || path.hasPrefix("Benchmarks/.build") || path.hasPrefix("Fuzz/.build") {
                continue
            }
            guard path.hasSuffix(".swift") || path.hasSuffix(".md") || path.hasSuffix(".py") || path.hasSuffix(".sh") || path == "Makefile",
                let text = try? String(contentsOfFile: root + "/" + path, encoding: .utf8)
            else { continue }
            // Only this test may name the patterns it looks for (built from parts, so it does not match itself).
            if path.hasPrefix("Benchmarks/Floor/") { continue }  // the C floor's own copy, as the workspace wrote it
            for pattern in [".." + "/shared/", "METRICS" + ".md", "CONFIG" + ".md", "ARCHITECTURE" + ".md", "STYLE" + ".md"] where text.contains(pattern) {
                offenders.append("\(path): \(pattern)")
            }
            // A test must not read a fixture from outside the repository either.
            if path.hasPrefix("Tests/"), text.contains("\"/" + "../") { offenders.append("\(path): a path out of the repository") }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
        #expect(!(try Self.read("docs/architecture.md").contains("Planned:")))
    }
}
