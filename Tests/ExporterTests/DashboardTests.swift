import Foundation
import Testing

/// The shipped dashboards: the dashboard linter's rules, what an SRE reads first (the status row, the flag and source
/// variables, annotations, links), thresholds equal to the alert rules', and that the files are what
/// scripts/generate-dashboards.py writes with Grafana's builders. Their PromQL: MonitoringBundleTests and
/// MonitoringEndToEndTests.
@Suite("Dashboards")
struct DashboardTests {
    /// One dashboard's JSON model, with the lookups the checks share.
    struct Board {
        let name: String
        let model: [String: Any]

        init(_ path: String) throws {
            name = (path as NSString).lastPathComponent
            model = try MonitoringBundleTests.dashboard(path)
        }

        var panels: [[String: Any]] { MonitoringBundleTests.panels(of: model) }
        var variables: [[String: Any]] { ((model["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? [] }
        var annotations: [[String: Any]] { ((model["annotations"] as? [String: Any])?["list"] as? [[String: Any]]) ?? [] }
        var links: [[String: Any]] { model["links"] as? [[String: Any]] ?? [] }

        func variable(_ name: String) -> [String: Any]? { variables.first { $0["name"] as? String == name } }

        func panel(_ title: String) throws -> [String: Any] {
            guard let panel = panels.first(where: { $0["title"] as? String == title }) else {
                throw TestFailure("\(name) has no panel \"\(title)\"")
            }
            return panel
        }
    }

    static func boards() throws -> [Board] { try MonitoringBundleTests.dashboardFiles.map(Board.init) }
    static func overview() throws -> Board { try Board(MonitoringBundleTests.dashboardFiles[0]) }

    static func defaults(_ panel: [String: Any]) -> [String: Any] {
        (panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any] ?? [:]
    }

    static func thresholdValues(_ panel: [String: Any]) -> [Double] {
        let steps = (defaults(panel)["thresholds"] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
        return steps.compactMap { ($0["value"] as? NSNumber)?.doubleValue }
    }

    static func expressions(_ panel: [String: Any]) -> [String] {
        (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
    }

    /// The label matchers of every selector `{...}` in a PromQL expression.
    static func selectors(in expr: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\{([^{}]*)\}"#)
        return pattern.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)).compactMap {
            Range($0.range(at: 1), in: expr).map { String(expr[$0]) }
        }
    }

    /// A number the shipped alert rules compare with, found by a pattern whose first group is the number.
    static func ruleNumber(alert: String, _ pattern: String) throws -> Double {
        let rule = try MonitoringBundleTests.rules().first { $0["alert"] as? String == alert }
        let expr = rule?["expr"] as? String ?? ""
        let regex = try NSRegularExpression(pattern: pattern)
        guard let match = regex.firstMatch(in: expr, range: NSRange(expr.startIndex..., in: expr)),
              let range = Range(match.range(at: 1), in: expr), let value = Double(expr[range]) else {
            throw TestFailure("\(alert): no /\(pattern)/ in \(expr)")
        }
        return value
    }

    @Test("the linter's rules: datasource and label variables, not editable, units, descriptions, job and instance matchers, $__rate_interval")
    func lintRules() throws {
        #expect(try Self.boards().count == MonitoringBundleTests.dashboardFiles.count)
        for board in try Self.boards() {
            let name = board.name
            #expect(board.model["schemaVersion"] as? Int == 39, "\(name)")
            #expect(board.model["editable"] as? Bool == false, "\(name): a generated dashboard is not editable")
            #expect((board.model["uid"] as? String)?.isEmpty == false, "\(name)")
            let datasource = board.variable("datasource")
            #expect(datasource?["type"] as? String == "datasource" && datasource?["query"] as? String == "prometheus")
            #expect(datasource?["label"] as? String == "Data Source", "\(name): the linter wants the label Data Source")
            #expect(board.variable("job") != nil && board.variable("instance") != nil, "\(name)")
            for variable in board.variables where variable["type"] as? String == "query" {
                let variableName = variable["name"] as? String ?? "?"
                #expect(variable["label"] as? String == variableName, "\(name): \(variableName) is labelled as named")
                #expect((variable["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(name): \(variableName)")
                #expect(variable["multi"] as? Bool == true && variable["includeAll"] as? Bool == true, "\(name): \(variableName)")
                #expect(variable["allValue"] as? String == ".+", "\(name): \(variableName) allValue")
                #expect(variable["refresh"] as? Int == 2, "\(name): \(variableName) reloads on time-range change")
            }
            let text = try String(contentsOfFile: MonitoringBundleTests.root + "/dashboards/" + name, encoding: .utf8)
            #expect(!text.contains("${DS_"), "\(name): a literal input reference breaks provisioning from files")

            var ids: Set<Int> = []
            for panel in board.panels {
                let title = panel["title"] as? String ?? "?"
                if let id = panel["id"] as? Int { #expect(ids.insert(id).inserted, "\(name): duplicate id \(id)") }
                let grid = panel["gridPos"] as? [String: Int] ?? [:]
                let x = grid["x"] ?? -1, w = grid["w"] ?? 0
                #expect(x >= 0 && w >= 1 && x + w <= 24 && (grid["h"] ?? 0) >= 1, "\(name): \(title) gridPos \(grid)")
                guard panel["type"] as? String != "row" else { continue }
                #expect((panel["description"] as? String)?.isEmpty == false, "\(name): \(title) has no description")
                #expect((Self.defaults(panel)["unit"] as? String)?.isEmpty == false, "\(name): \(title) has no unit")
                #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(name): \(title)")
                let targets = panel["targets"] as? [[String: Any]] ?? []
                #expect(!targets.isEmpty, "\(name): \(title) has no query")
                #expect(Set(targets.compactMap { $0["refId"] as? String }).count == targets.count, "\(name): \(title) refIds")
                for target in targets {
                    #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}")
                    try Self.checkMatchers(target["expr"] as? String ?? "", in: "\(name): \(title)")
                }
            }
            for annotation in board.annotations where annotation["expr"] != nil {
                try Self.checkMatchers(annotation["expr"] as? String ?? "", in: "\(name): annotation")
            }
            #expect(ids.count >= 5, "\(name) has \(ids.count) panels")
        }
    }

    /// Every selector carries the job and instance variables (ALERTS may match no instance: an alert such as
    /// FeatureFlagExporterAbsent has none), every series name has a selector, and every range is $__rate_interval.
    static func checkMatchers(_ expr: String, in place: String) throws {
        let selectors = Self.selectors(in: expr)
        #expect(!selectors.isEmpty, "\(place): \(expr)")
        for matchers in selectors {
            #expect(matchers.contains(#"job=~"$job""#), "\(place): {\(matchers)} has no job matcher")
            #expect(matchers.contains(#"instance=~"$instance""#) || matchers.contains(#"instance=~"$instance|""#),
                    "\(place): {\(matchers)} has no instance matcher")
        }
        for name in MonitoringBundleTests.metricNames(in: expr) {
            var rest = Substring(expr)
            while let found = rest.range(of: name) {
                let before = found.lowerBound == expr.startIndex ? " " : expr[expr.index(before: found.lowerBound)]
                let after = found.upperBound == expr.endIndex ? " " : expr[found.upperBound]
                let isName = !(before.isLetter || before.isNumber || before == "_" || before == ":")
                    && !(after.isLetter || after.isNumber || after == "_" || after == ":")
                #expect(!isName || after == "{", "\(place): \(name) without matchers")
                rest = expr[found.upperBound...]
            }
        }
        var rest = Substring(expr)
        while let open = rest.firstIndex(of: "[") {
            let close = rest[open...].firstIndex(of: "]") ?? rest.endIndex
            #expect(rest[open..<close] == "[$__rate_interval", "\(place): range \(rest[open..<close])]")
            rest = rest[close...].dropFirst()
        }
    }

    @Test("a status row first: not ready, stale, breakers open, canaries failing, alerts firing; green at 0, red from 1")
    func statusRow() throws {
        let panels = try Self.overview().panels
        #expect(panels.first?["type"] as? String == "row" && panels.first?["title"] as? String == "Status")
        let row = panels.dropFirst().prefix { $0["type"] as? String != "row" }
        let wanted = [
            "Exporters not ready": "up{", "Stale configs": "feature_flag_stale_config{",
            "Breakers open": "feature_flag_circuit_breaker_state{", "Canaries failing": "feature_flag_canary_success{",
            "Alerts firing": "ALERTS{",
        ]
        for (title, series) in wanted {
            let panel = row.first { $0["title"] as? String == title }
            #expect(panel?["type"] as? String == "stat", "\(title) is a stat of the status row")
            #expect(Self.expressions(panel ?? [:]).first?.contains(series) == true, "\(title) reads \(series)")
            #expect(Self.expressions(panel ?? [:]).first?.hasSuffix("or vector(0)") == true, "\(title) shows 0, not No data")
            #expect(Self.thresholdValues(panel ?? [:]) == [1], "\(title): red from 1")
        }
        #expect(row.allSatisfy { ($0["gridPos"] as? [String: Int])?["y"] == 1 }, "the status row is one line")
    }

    @Test("thresholds are the alert rules': SRM 0.001 on a log axis, drift ±5 points, 10 errors a minute, 1% mirror mismatch")
    func thresholdsMatchAlerts() throws {
        let board = try Self.overview()
        let srm = try board.panel("Split sample-ratio mismatch")
        let srmRule = try Self.ruleNumber(alert: "FeatureFlagSplitSampleRatioMismatch", #"< ([0-9.]+)"#)
        #expect(Self.thresholdValues(srm) == [srmRule])
        let custom = Self.defaults(srm)["custom"] as? [String: Any] ?? [:]
        #expect((custom["scaleDistribution"] as? [String: Any])?["type"] as? String == "log")
        #expect((custom["thresholdsStyle"] as? [String: Any])?["mode"] as? String == "dashed")

        let drift = try Self.ruleNumber(alert: "FeatureFlagRolloutDrift", #"\* 0 \+ ([0-9.]+)"#) * 100
        #expect(Self.thresholdValues(try board.panel("Drift")) == [-drift, drift])
        let errors = try Self.ruleNumber(alert: "FeatureFlagEvaluationErrors", #"\* 0 \+ ([0-9.]+)"#)
        #expect(Self.thresholdValues(try board.panel("Evaluation errors per exporter")) == [errors])
        #expect(Self.thresholdValues(try board.panel("Evaluation errors")) == [errors])
        let mirror = try Self.ruleNumber(alert: "FeatureFlagMirrorMismatch", #"> ([0-9.]+)"#)
        #expect(Self.thresholdValues(try board.panel("Mirror mismatches")) == [mirror])
        for title in ["Drift", "Evaluation errors per exporter", "Mirror mismatches"] {
            let style = (Self.defaults(try board.panel(title))["custom"] as? [String: Any])?["thresholdsStyle"] as? [String: Any]
            #expect(style?["mode"] as? String == "dashed", "\(title) draws its threshold")
        }
    }

    @Test("flag_key and source variables narrow the rollout panels; configured shares are dashed; units say per minute")
    func variablesAndStyles() throws {
        let board = try Self.overview()
        for name in ["flag_key", "source"] { #expect(board.variable(name)?["type"] as? String == "query", "\(name)") }
        for title in ["Realised against configured share", "Drift", "Split sample-ratio mismatch", "Evaluations by flag"] {
            for expr in Self.expressions(try board.panel(title)) {
                #expect(expr.contains(#"flag_key=~"$flag_key""#), "\(title): \(expr)")
            }
        }
        #expect(Self.expressions(try board.panel("Realised against configured share")).first?.contains(#"source=~"$source""#) == true)
        for title in ["Realised against configured share", "Split: realised against configured variant share"] {
            let overrides = (try board.panel(title)["fieldConfig"] as? [String: Any])?["overrides"] as? [[String: Any]] ?? []
            let dashed = overrides.contains { override in
                (override["matcher"] as? [String: Any])?["options"] as? String == ".* configured$"
                    && (override["properties"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "custom.lineStyle" }
            }
            #expect(dashed, "\(title): configured series are dashed")
        }
        for board in try Self.boards() {
            for panel in board.panels where Self.expressions(panel).contains(where: { $0.contains("* 60") }) {
                #expect(Self.defaults(panel)["unit"] as? String == "opm", "\(board.name): \(panel["title"] ?? "") is per minute")
            }
        }
    }

    @Test("tables show named columns only: no Value #A, no 1970 dates; the build table has version and revision")
    func tables() throws {
        for board in try Self.boards() {
            for panel in board.panels where panel["type"] as? String == "table" {
                let title = panel["title"] as? String ?? "?"
                let transformations = panel["transformations"] as? [[String: Any]] ?? []
                let organize = transformations.first { $0["id"] as? String == "organize" }?["options"] as? [String: Any] ?? [:]
                let handled = Set(((organize["excludeByName"] as? [String: Bool]) ?? [:]).keys)
                    .union(((organize["renameByName"] as? [String: String]) ?? [:]).keys)
                let targets = panel["targets"] as? [[String: Any]] ?? []
                let valueColumns = targets.count == 1 ? ["Value"] : targets.compactMap { ($0["refId"] as? String).map { "Value #" + $0 } }
                for column in valueColumns { #expect(handled.contains(column), "\(board.name): \(title) shows \(column)") }
                #expect(!(Self.defaults(panel)["unit"] as? String ?? "").hasPrefix("dateTime"), "\(board.name): \(title)")
            }
        }
        let build = Self.expressions(try Self.overview().panel("Build")).first ?? ""
        #expect(build.contains("version, revision"), "\(build)")
    }

    @Test("annotations for config changes and refused reloads; links to the other dashboards and the runbook")
    func annotationsAndLinks() throws {
        for board in try Self.boards() {
            let names = board.annotations.compactMap { $0["name"] as? String }
            #expect(names.contains("Config changes"), "\(board.name): \(names)")
            let dashboards = board.links.first { $0["type"] as? String == "dashboards" }
            #expect(dashboards?["tags"] as? [String] == ["featureflag_exporter"] && dashboards?["keepTime"] as? Bool == true)
            #expect((board.model["tags"] as? [String])?.contains("featureflag_exporter") == true, "\(board.name) is linked")
            let runbook = board.links.first { $0["title"] as? String == "Runbook" }?["url"] as? String ?? ""
            #expect(runbook.hasSuffix("/docs/runbook.md"), "\(board.name): \(runbook)")
        }
        #expect(try Self.overview().annotations.contains { $0["name"] as? String == "Reloads refused" })
    }

    @Test("the files are what scripts/generate-dashboards.py writes; --runbook-url moves the link; a bad URL is refused")
    func generated() throws {
        let directory = try TemporaryDirectory()
        let python = try PythonTools.executable("python3")
        let script = MonitoringBundleTests.root + "/scripts/generate-dashboards.py"
        let run = try CommandRunner.run(python, [script, "--output", directory.path])
        #expect(run.status == 0, "\(run.standardError)")
        for path in MonitoringBundleTests.dashboardFiles {
            let written = try String(contentsOfFile: directory.path + "/" + (path as NSString).lastPathComponent, encoding: .utf8)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == written, "\(path) is not what the generator writes")
        }
        let moved = try CommandRunner.run(python, [script, "--output", directory.path + "/moved", "--runbook-url", "https://wiki.example.com/runbook.md"])
        #expect(moved.status == 0, "\(moved.standardError)")
        let board = try Board(directory.path + "/moved/featureflag-overview.json")
        #expect(board.links.contains { $0["url"] as? String == "https://wiki.example.com/runbook.md" })
        let refused = try CommandRunner.run(python, [script, "--output", directory.path + "/bad", "--runbook-url", "wiki/runbook"])
        #expect(refused.status == 1)
        #expect(refused.standardError == "generate-dashboards: --runbook-url 'wiki/runbook' is not an http(s) URL\n")
    }
}
