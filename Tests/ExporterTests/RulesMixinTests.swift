import Foundation
import Testing

/// scripts/render-rules.py: the shipped rules fitted to other labels, as a mixin's config fits them.
@Suite("Rules as a mixin: scripts/render-rules.py")
struct RulesMixinTests {
    static let root = CommandRunner.repositoryRoot
    static let rulesFile = root + "/alerts/featureflag_exporter.rules.yml"

    static func render(_ arguments: [String]) throws -> CommandRunner.Output {
        try CommandRunner.run(try PythonTools.executable("python3"), [root + "/scripts/render-rules.py"] + arguments)
    }

    @Test("with the defaults it renders the shipped file, byte for byte")
    func defaultRendering() throws {
        let rendered = try Self.render([])
        #expect(rendered.status == 0, "\(rendered.standardError)")
        #expect(rendered.standardOutput == (try String(contentsOfFile: Self.rulesFile, encoding: .utf8)))
    }

    @Test("scoped to a namespace and grouped by cluster: every series is scoped, every aggregation keeps the labels, and the shipped alert tests pass on series that carry them")
    func scopedAndGrouped() throws {
        let scratch = try TemporaryDirectory()
        let rules = scratch.path + "/rules.yml"
        let rendered = try Self.render([
            "--selector", #"namespace="flags""#, "--group-by", "cluster,namespace",
            "--exporter-selector", #"job="featureflag_exporter",namespace="flags""#,
            "--runbook-url-base", "https://wiki.example/runbook", "--output", rules,
        ])
        #expect(rendered.status == 0, "\(rendered.standardError)")
        let text = try String(contentsOfFile: rules, encoding: .utf8)
        let check = try CommandRunner.run("/usr/bin/promtool", ["check", "rules", rules])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")

        // Every feature_flag_* series read is scoped; every by/on that keeps job keeps cluster and namespace too.
        let expressions = try Self.expressions(of: rules)
        #expect(expressions.count == 18)
        let series = try NSRegularExpression(pattern: #"(?<![\w:])feature_flag_[a-z0-9_]+(?![\w:])(\{[^}]*\})?"#)
        let grouping = try NSRegularExpression(pattern: #"\b(by|on) \(([^)]*)\)"#)
        for expression in expressions {
            let range = NSRange(expression.startIndex..., in: expression)
            for match in series.matches(in: expression, range: range) {
                let text = String(expression[Range(match.range, in: expression)!])
                #expect(text.contains(#"namespace="flags""#), "unscoped: \(text) in \(expression)")
            }
            for match in grouping.matches(in: expression, range: range) {
                let labels = String(expression[Range(match.range(at: 2), in: expression)!])
                if labels.contains("job") { #expect(labels.hasPrefix("cluster, namespace, job"), "\(labels)") }
            }
        }
        #expect(text.contains(#"absent(up{job="featureflag_exporter",namespace="flags"})"#))
        #expect(!text.contains("github.com"))
        #expect(text.contains("runbook_url: https://wiki.example/runbook#featureflagexporterdown"))

        // The shipped tests, their series and expected labels carrying cluster and namespace.
        var tests = try String(contentsOfFile: Self.root + "/alerts/tests/featureflag_exporter.test.yml", encoding: .utf8)
            .replacingOccurrences(of: "../featureflag_exporter.rules.yml", with: rules)
            .replacingOccurrences(of: "https://github.com/featureflag-exporter/featureflag_exporter/blob/main/docs/runbook.md#", with: "https://wiki.example/runbook#")
            .replacingOccurrences(of: "exp_labels: {", with: "exp_labels: {cluster: c, namespace: flags, ")
            // absent() has the selector's equality matchers as labels, and nothing else.
            .replacingOccurrences(of: "{cluster: c, namespace: flags, severity: critical, job: featureflag_exporter}", with: "{namespace: flags, severity: critical, job: featureflag_exporter}")
        for field in ["series", "labels"] {
            let pattern = try NSRegularExpression(pattern: "\(field): '([a-zA-Z_:][a-zA-Z0-9_:]*)\\{")
            tests = pattern.stringByReplacingMatches(
                in: tests, range: NSRange(tests.startIndex..., in: tests),
                withTemplate: "\(field): '$1{cluster=\"c\",namespace=\"flags\",")
        }
        let testFile = try scratch.write("tests.yml", tests)
        let run = try CommandRunner.run("/usr/bin/promtool", ["test", "rules", testFile])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
    }

    @Test("a setting PromQL or a URL would not take is refused, saying which", arguments: [
        (["--selector", "namespace=flags"], "render-rules: --selector 'namespace=flags': 'namespace=flags' is not a label matcher such as job=\"x\"\n"),
        (["--exporter-selector", ""], "render-rules: --exporter-selector may not be empty: up{} would match every target of Prometheus\n"),
        (["--group-by", "cluster,name-space"], "render-rules: --group-by: 'name-space' is not a label name\n"),
        (["--runbook-url-base", "wiki/runbook"], "render-rules: --runbook-url-base 'wiki/runbook' is not an http(s) URL without a #fragment\n"),
    ])
    func refusals(arguments: [String], message: String) throws {
        let rendered = try Self.render(arguments)
        #expect(rendered.status == 1)
        #expect(rendered.standardError == message)
        #expect(rendered.standardOutput.isEmpty)
    }

    /// Every rule's `expr`, through PyYAML.
    static func expressions(of file: String) throws -> [String] {
        let output = try CommandRunner.run(
            try PythonTools.executable("python3"),
            ["-c", "import sys, json, yaml; print(json.dumps([r['expr'] for g in yaml.safe_load(open(sys.argv[1]))['groups'] for r in g['rules']]))", file])
        return try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String] ?? []
    }
}
