import FlagConfig
import FlagEngine
import Testing

/// JSON files that write characters beyond the Basic Multilingual Plane as surrogate-pair escapes (`\uD83D\uDE0A`, as
/// Python's `json.dumps` does by default) load as the same characters, and diagnostics after them keep the file's
/// columns.
@Suite("JSON surrogate-pair escapes")
struct JSONSurrogatePairsTests {
    static let escaped = #"{"features": [{"name": "launch.\uD83D\uDE0A", "enabled": true, "strategies": [{"name": "default"}]}]}"#

    @Test("an Unleash payload and a flagd file with escaped pairs load as their UTF-8 twins (an escaped backslash stays text)")
    func sameAsUTF8() throws {
        let fromEscaped = try FlagConfigLoader.load(base: ConfigText(name: "escaped.json", text: Self.escaped), environment: "production")
        #expect(fromEscaped.flagSet.definitions.map(\.key) == ["launch.😊"])
        #expect(fromEscaped.flagSet.isEnabled("launch.😊", in: EvaluationContext(userID: "u")))

        let flagd = #"""
            {"flags": {"\uD83D\uDE80": {"state": "ENABLED", "variants": {"on": "\ud83c\udf0d \uD83D\uDE0A", "off": ""}, "defaultVariant": "on"},
                       "text": {"state": "ENABLED", "variants": {"raw": "\\uD83D\\uDE0A"}, "defaultVariant": "raw"}}}
            """#
        let loaded = try FlagConfigLoader.load(base: ConfigText(name: "f.json", text: flagd), environment: "production")
        #expect(loaded.flagSet.evaluate("🚀", in: EvaluationContext()).value == .string("🌍 😊"))
        #expect(loaded.flagSet.evaluate("text", in: EvaluationContext()).value == .string(#"\uD83D\uDE0A"#))
    }

    @Test("a diagnostic after escaped pairs on the same line points at the file's column")
    func columnsAfterPairs() throws {
        let text = #"{"features": [{"name": "\uD83D\uDE0A\uD83D\uDE0A", "enabled": true}, {"name": "b"}]}"#
        let target = try #require(text.firstRange(of: #"{"name": "b"}"#))
        let column = text.distance(from: text.startIndex, to: target.lowerBound) + 1
        do {
            _ = try FlagConfigLoader.load(base: ConfigText(name: "u.json", text: text), environment: "production")
            Issue.record("a toggle without `enabled` was accepted")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.location == SourceLocation(file: "u.json", line: 1, column: column))
            #expect(diagnostic.message.contains("missing `enabled`"))
        }
    }

    @Test("a lone surrogate is still refused, at its place")
    func loneSurrogate() {
        let text = #"{"features": [{"name": "\uD83D", "enabled": true}]}"#
        #expect(throws: FlagConfigError.self) {
            try FlagConfigLoader.load(base: ConfigText(name: "u.json", text: text), environment: "production")
        }
    }
}
