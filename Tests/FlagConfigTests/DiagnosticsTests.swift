import Foundation
import FlagConfig
import FlagEngine
import Testing

@Suite("Validation and diagnostics (docs/configuration.md, Validation)")
struct DiagnosticsTests {
    static let valid = """
        version: "2"
        flags:
          a:
            state: rollout
            variants: {on: true, off: false}
            default_variant: off
            rollout: {strategy: percentage, percentage: 25}

        """

    /// The first error's rendered first line.
    func firstError(_ yaml: String, environment: String = "development", strict: Bool = false) -> String? {
        ConfigFixtures.error(yaml, environment: environment, strict: strict)?.errors.first?.description
            .split(separator: "\n").first.map(String.init)
    }

    @Test("a percentage out of range is located at its value: file:line:column: path: message")
    func percentageRange() {
        let yaml = Self.valid.replacingPercentage("140")
        #expect(firstError(yaml) == "test.yaml:7:49: flags.a.rollout.percentage: 140 is not in 0...100")
        let error = ConfigFixtures.error(yaml)!
        #expect(error.errors[0].excerpt == "      rollout: {strategy: percentage, percentage: 140}\n" + String(repeating: " ", count: 50) + "^")
    }

    @Test("semantic errors are refused, each at its place", arguments: [
        ("  c:\n    state: sometimes\n", "test.yaml:12:12: flags.c.state: unknown state 'sometimes'"),
        ("    default_variant: maybe\n", "flags.b.default_variant: variant 'maybe' is not one of the flag's variants ('on', 'off')"),
        ("    rollout: {strategy: fancy}\n", "unknown strategy 'fancy'"),
        ("    rollout: {strategy: split, distribution: {on: 0, off: 1}}\n", "flags.b.rollout.distribution.on: weight 0 must be a positive number"),
        ("    rollout: {strategy: split, distribution: {}}\n", "a split needs at least one variant weight"),
        ("    dependencies: [ghost]\n", "flags.b.dependencies[0]: depends on unknown flag 'ghost'"),
        ("    dependencies: [b]\n", "dependency cycle: b -> b"),
        ("    targeting_rules: [{name: r, condition: \"user_type ==\", variant: on}]\n", "ends where a value"),
        ("    targeting_rules: [{name: r, condition: \"True\", variant: nope}]\n", "variant 'nope' is not one of"),
        ("    rollout: {variant: ghost}\n", "flags.b.rollout.variant: variant 'ghost'"),
        ("    rollout: {strategy: gradual, gradual: {start_time: 2026-02-01T00:00:00Z, end_time: 2026-01-01T00:00:00Z}}\n", "end_time is not after start_time"),
        ("    rollout: {strategy: gradual, gradual: {start_time: yesterday, end_time: 2026-01-01T00:00:00Z}}\n", "expected an RFC 3339 time"),
        ("    rollout: {percentage: lots}\n", "expected a number, found 'lots'"),
    ])
    func semanticErrors(line: String, fragment: String) {
        let yaml = Self.valid + "  b:\n    state: rollout\n    variants: {on: true, off: false}\n" + line
        let error = ConfigFixtures.error(yaml)
        #expect(error != nil, "should be refused: \(line)")
        let text = error?.description ?? ""
        #expect(text.contains(fragment), "\(text)")
        #expect(text.hasPrefix("test.yaml:"), "\(text)")
    }

    /// A minified JSON payload is one long line: the excerpt is a window around the fault, the caret under it.
    @Test("an error far along a long line gets a windowed excerpt with the caret under the fault")
    func longLineExcerpt() throws {
        let filler = (0..<40).map { #""f\#($0)": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"}"# }.joined(separator: ", ")
        let text = #"{"flags": {"# + filler + #", "bad": {"state": "ON", "variants": {"a": 1}, "defaultVariant": "a"}}}"#
        do {
            _ = try FlagConfigLoader.load(base: ConfigText(name: "f.json", text: text), environment: "production")
            Issue.record("a bad state was accepted")
        } catch {
            let diagnostic = try #require(error.diagnostics.first { $0.message.contains("must be ENABLED or DISABLED") })
            let lines = try #require(diagnostic.excerpt).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2)
            #expect(lines[0].hasPrefix("  …") && lines[0].count <= 2 + 1 + 160 + 1)
            let caret = try #require(lines[1].firstIndex(of: "^"))
            let under = lines[0][lines[0].index(lines[0].startIndex, offsetBy: lines[1].distance(from: lines[1].startIndex, to: caret))...]
            #expect(under.hasPrefix(#""ON""#), "\(diagnostic.excerpt!)")
        }
    }

    @Test("a bad condition is located at the fault inside it, with a caret")
    func conditionLocation() throws {
        let yaml = Self.valid + """
                targeting_rules:
                  - name: r
                    variant: on
                    condition: "user_type == 'admin' and __class__"

            """
        let error = try #require(ConfigFixtures.error(yaml))
        #expect(error.errors[0].location.line == 11)
        #expect(error.errors[0].location.column == 46)
        #expect(error.errors[0].description.contains("names starting with '__' are not allowed"))
        #expect(error.errors[0].excerpt?.hasSuffix("\n" + String(repeating: " ", count: 47) + "^") == true)
    }

    @Test("YAML syntax errors give file:line:column, never a crash", arguments: [
        ("flags:\n  a: [1, 2\n", 3),
        ("flags:\n\ta: 1\n", 2),
        ("flags: {a: 1\n", 2),
        ("key: value\n  bad indent: x\n", 2),
        ("flags:\n  a:\n    state: enabled\n  a:\n    state: disabled\n", 4),
        ("- just\n- a list\n", 1),
        ("\"unterminated\n", 2),
    ])
    func syntaxErrors(yaml: String, line: Int) {
        let error = ConfigFixtures.error(yaml)
        #expect(error != nil)
        #expect(error?.errors.first?.location.line == line, "\(String(describing: error))")
    }

    @Test("binary junk, empty files and non-mapping documents are refused cleanly", arguments: [
        "", "\u{0}\u{1}\u{2}", "42", "[1, 2]", "flags: 5", "flags:\n  a: 5", "flags:\n  a: {state: [1]}",
        "flags:\n  a: {state: enabled, variants: [on, off]}", "global: {sticky_bucketing: maybe}",
    ])
    func junk(yaml: String) {
        #expect(ConfigFixtures.error(yaml) != nil, "\(yaml.debugDescription) should be refused")
    }

    @Test("a billion-laughs document is refused as an alias bomb")
    func billionLaughs() {
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let references = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(references)]\n"
        }
        yaml += "flags: {}\n"
        let error = ConfigFixtures.error(yaml)
        #expect(error?.description.contains("alias bomb") == true, "\(String(describing: error))")
    }

    @Test("hostile nesting is refused before the parser sees it")
    func deepNesting() {
        let flow = "flags: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(ConfigFixtures.error(flow)?.description.contains("deeper than 256") == true)
        let block = "flags:\n" + String(repeating: "- ", count: 50_000) + "x\n"
        #expect(ConfigFixtures.error(block)?.description.contains("deeper than 256") == true)
    }

    @Test("variants of mixed value types are a located warning, an error with --strict", arguments: [
        ("{on: true, off: false, partial: basic}", "test.yaml:5:15: warning: flags.a.variants: variants mix value types (on, off: boolean; partial: string); OpenFeature's typed API answers TYPE_MISMATCH to the users served a variant of another type: give every variant the same type"),
        ("{off: 1, high: 2.5}", "test.yaml:5:15: warning: flags.a.variants: variants mix value types (off: integer; high: float); OpenFeature's typed API answers TYPE_MISMATCH to the users served a variant of another type: give every variant the same type"),
        ("{on: {x: 1}, off: [1]}", nil),
        ("{on: blue, off: null}", nil),
        ("{on: true, off: false}", nil),
    ])
    func mixedVariantTypes(variants: String, warning: String?) throws {
        let yaml = "version: \"2\"\nflags:\n  a:\n    state: enabled\n    variants: \(variants)\n    default_variant: off\n"
        let loaded = try ConfigFixtures.load(yaml)
        #expect(loaded.warnings.first?.description.split(separator: "\n").first.map(String.init) == warning)
        #expect(loaded.warnings.count == (warning == nil ? 0 : 1))
        if let warning {
            let strictError = firstError(yaml, strict: true)
            #expect(strictError == warning.replacingOccurrences(of: ": warning: ", with: ": "))
        }
    }

    @Test("unknown fields are warnings, and errors with --strict")
    func unknownFields() throws {
        let yaml = Self.valid + "    colour: blue\n"
        let loaded = try ConfigFixtures.load(yaml)
        try #require(loaded.warnings.count == 1)
        #expect(loaded.warnings[0].description.hasPrefix("test.yaml:8:5: warning: flags.a.colour: unknown field 'colour'"))
        let strict = ConfigFixtures.error(yaml, strict: true)
        #expect(strict?.errors.count == 1)
    }

    @Test("mapping keys are names: on/off/yes/no/null keys stay strings; values follow YAML 1.1 typing")
    func scalarTyping() throws {
        let yaml = """
            flags:
              v:
                state: enabled
                default_variant: off
                variants:
                  on: "true"
                  off: false
                  yes: 5
                  no: 5.0
                  null: ~
                  y: [1, two]
                  list: {k: v}
                  octal: 010
                  hex: 0x1F
                  text: 2026-01-05

            """
        let flag = try #require(try ConfigFixtures.load(yaml).flagSet.definition("v"))
        #expect(flag.variants.map(\.name) == ["on", "off", "yes", "no", "null", "y", "list", "octal", "hex", "text"])
        #expect(flag.variants.map(\.value) == [
            .string("true"), .bool(false), .int(5), .double(5), .null, .list([.int(1), .string("two")]),
            .object(["k": .string("v")]), .int(8), .int(31), .string("2026-01-05"),
        ])
        #expect(flag.defaultVariant == "off")
    }

    @Test("an overlay file beside the base merges deeply, and its errors point into the overlay")
    func overlayFile() throws {
        try ConfigFixtures.withTemporaryDirectory { (directory: String) throws in
            ConfigFixtures.write(Self.valid, to: directory + "/flags.yaml")
            ConfigFixtures.write("global_rollout_percentage: 60\nflags:\n  a:\n    targeting_rules: []\n", to: directory + "/flags_prod.yaml")
            let loaded = try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "prod")
            #expect(loaded.flagSet.effectivePercentage(ofFlagAt: 0, at: 0) == 60)
            #expect(loaded.flagSet.definitions[0].variants.count == 2)
            ConfigFixtures.write("flags:\n  a:\n    rollout:\n      percentage: 101\n", to: directory + "/flags_prod.yaml")
            #expect { try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "prod") } throws: { error in
                (error as? FlagConfigError)?.errors.first?.description.hasPrefix(directory + "/flags_prod.yaml:4:19:") == true
            }
        }
    }

    @Test("a missing or unreadable file is an error about the file, with no made-up line")
    func missingFile() {
        #expect { try FlagConfigLoader.load(path: "/nonexistent/flags.yaml", environment: "development") } throws: { error in
            (error as? FlagConfigError)?.description == "/nonexistent/flags.yaml: cannot open: No such file or directory"
        }
        #expect { try FlagConfigLoader.load(path: "/tmp", environment: "development") } throws: { error in
            (error as? FlagConfigError)?.description == "/tmp: is a directory, not a regular file"
        }
    }
}

extension String {
    fileprivate func replacingPercentage(_ value: String) -> String {
        split(separator: "percentage: 25", omittingEmptySubsequences: false).joined(separator: "percentage: \(value)")
    }
}
