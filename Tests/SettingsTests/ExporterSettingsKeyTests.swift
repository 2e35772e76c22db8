import FlagConfig
import Settings
import Testing

@Suite("exporter.yaml: each section's keys are declared once, and an unknown one is named with them")
struct ExporterSettingsKeyTests {
    @Test("an unknown key is a warning at its line and column, listing the section's keys", arguments: [
        ("synthtic: {}\n", "e.yaml:1:1: warning: synthtic: unknown field 'synthtic' (ignored; known: canaries, mirror, push, refresh, source, synthetic)"),
        ("synthetic:\n  rates: 5\n", "e.yaml:2:3: warning: synthetic.rates: unknown field 'rates' (ignored; known: enabled, flags, population, rate)"),
        ("synthetic:\n  population:\n    sise: 5\n", "e.yaml:3:5: warning: synthetic.population.sise: unknown field 'sise' (ignored; known: attributes, id_pattern, size)"),
        ("canaries:\n  checks:\n    - {name: a, flag: f, expect: on, user: x}\n", "warning: canaries.checks[0].user: unknown field 'user' (ignored; known: context, expect, flag, name)"),
        ("mirror:\n  max_bytes: 5\n", "e.yaml:2:3: warning: mirror.max_bytes: unknown field 'max_bytes' (ignored; known: max_line_bytes, rate_limit)"),
        ("refresh:\n  circuit_breaker: {threshold: 3}\n", "warning: refresh.circuit_breaker.threshold: unknown field 'threshold' (ignored; known: failure_threshold, recovery_timeout)"),
        ("push:\n  basic_auth: {username: a, password: b, user: x}\n", "warning: push.basic_auth.user: unknown field 'user' (ignored; known: password, password_file, password_from_env, username)"),
        ("source:\n  headers:\n    - {name: X-A, value: b, secret: c}\n", "warning: source.headers[0].secret: unknown field 'secret' (ignored; known: name, value, value_from_env, value_from_file)"),
    ])
    func unknownKey(text: String, expected: String) throws {
        let settings = try ExporterSettings.load(ConfigText(name: "e.yaml", text: text))
        let warnings = settings.warnings.map(\.description)
        #expect(warnings.contains { $0.hasPrefix(expected) || $0.contains(expected) }, "\(warnings)")
    }

    @Test("a file with only known keys has no warning")
    func known() throws {
        let settings = try ExporterSettings.load(ConfigText(
            name: "e.yaml",
            text: "synthetic: {enabled: true, rate: 10}\nmirror: {rate_limit: 5}\nrefresh: {circuit_breaker: {failure_threshold: 3}}\n"))
        #expect(settings.warnings.isEmpty)
        #expect(settings.refresh.failureThreshold == 3)
    }
}
