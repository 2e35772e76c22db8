import Foundation
import Testing

/// Unleash payloads from the command line: `check` and `eval` read them (detected by their `features` list, or with
/// --config.format unleash); the seed-only commands say so in one line.
@Suite("Commands: Unleash payloads")
struct UnleashCommandTests {
    static let example = CommandRunner.repositoryRoot + "/config/examples/unleash.features.json"

    @Test("check detects the shipped Unleash example and lists its toggles")
    func check() throws {
        let output = try CommandRunner.exporter(["check", "--config.file", Self.example])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput == """
            \(Self.example): Unleash format, 4 toggles, 1 segment
              checkout.new-flow  enabled   strategies flexibleRollout, userWithId
              search.semantic    enabled   strategies default  depends on checkout.new-flow
              banner.holiday     enabled   strategies (none: on)  variants snow
              legacy.export      disabled  strategies default

            """)
    }

    // user-4's buckets, from Python's mmh3: strategy 11 (in at 25%), variant 48 of 1000 (blue).
    @Test("eval reports what the SDKs report: enabled, the variant with its payload, FLAG_NOT_FOUND", arguments: [
        (["checkout.new-flow", "--user-id", "user-4", "--environment", "production", "--attr", "plan=pro"],
         ##"{"flag_key":"checkout.new-flow","enabled":true,"variant":{"name":"blue","enabled":true,"feature_enabled":true,"payload":{"type":"string","value":"#1976d2"}}}"##, Int32(0)),
        (["checkout.new-flow", "--user-id", "user-4", "--environment", "production", "--attr", "plan=free"],
         #"{"flag_key":"checkout.new-flow","enabled":false,"variant":{"name":"disabled","enabled":false,"feature_enabled":false}}"#, 0),
        (["checkout.new-flow", "--user-id", "qa-1"],
         #"{"flag_key":"checkout.new-flow","enabled":true,"variant":{"name":"disabled","enabled":false,"feature_enabled":true}}"#, 0),
        (["search.semantic", "--user-id", "qa-2", "--attr", "appVersion=4.2.0", "--attr", "email=x@Example.COM"],
         #"{"flag_key":"search.semantic","enabled":false,"variant":{"name":"disabled","enabled":false,"feature_enabled":false}}"#, 0),
        (["search.semantic", "--user-id", "qa-2", "--attr", "appVersion=4.2.0", "--attr", "email=x@corp.io"],
         #"{"flag_key":"search.semantic","enabled":true,"variant":{"name":"disabled","enabled":false,"feature_enabled":true}}"#, 0),
        (["banner.holiday", "--user-id", "qa-1"],
         #"{"flag_key":"banner.holiday","enabled":true,"variant":{"name":"snow","enabled":true,"feature_enabled":true}}"#, 0),
        (["nope"], #"{"flag_key":"nope","enabled":false,"variant":{"name":"disabled","enabled":false,"feature_enabled":false},"error_code":"FLAG_NOT_FOUND"}"#, 1),
    ])
    func eval(arguments: [String], line: String, status: Int32) throws {
        let output = try CommandRunner.exporter(["eval", "--config.file", Self.example] + arguments)
        #expect(output.standardOutput == line + "\n")
        #expect(output.status == status, "\(output.standardError)")
    }

    @Test("a broken payload is refused at file:line:column; unknown operators and strategies are warnings (--strict refuses them)")
    func errors() throws {
        let directory = try TemporaryDirectory()
        let broken = try directory.write("features.json", #"{"features": [{"name": "t", "strategies": []}]}"#)
        let refused = try CommandRunner.exporter(["check", "--config.file", broken])
        #expect(refused.status == 1)
        #expect(refused.standardError.hasPrefix("\(broken):1:15: features[0]: missing `enabled`"))
        let odd = try directory.write("odd.json", """
            {"features": [{"name": "t", "enabled": true, "strategies": [{"name": "custom", "constraints": [{"contextName": "a", "operator": "LIKE", "values": ["x"]},
              {"contextName": "a", "operator": "REGEX", "value": "^(a)\\\\1$"}]}]}]}
            """)
        let warned = try CommandRunner.exporter(["check", "--config.file", odd])
        #expect(warned.status == 0)
        #expect(warned.standardOutput.contains("\(odd):1:61: warning: features[0].strategies[0].name: unknown strategy 'custom'"))
        #expect(warned.standardOutput.contains("warning: features[0].strategies[0].constraints[0].operator: unknown operator 'LIKE'"))
        #expect(warned.standardOutput.contains(
            "\(odd):2:54: warning: features[0].strategies[0].constraints[1].value: REGEX pattern not taken (backreferences are not supported): the constraint matches nothing, as the SDKs treat it"))
        #expect(try CommandRunner.exporter(["check", "--config.file", odd, "--strict"]).status == 1)
    }

    @Test("eval --batch and simulate read an Unleash payload: the rollout strategy's percentage is the configured share")
    func batchAndSimulate() throws {
        let input = #"{"flag_key":"checkout.new-flow","context":{"targetingKey":"user-4","plan":"pro"}}"# + "\n"
        let batch = try CommandRunner.exporter(["eval", "--batch", "--config.file", Self.example, "--environment", "production"], input: input)
        #expect(batch.standardOutput == ##"{"flag_key":"checkout.new-flow","variant":"blue","value":"#1976d2","reason":"ROLLOUT_MATCH","rollout":"in"}"## + "\n")
        let simulated = try CommandRunner.exporter(["simulate", "--config.file", Self.example, "--users", "20000", "--environment", "production"])
        #expect(simulated.status == 0, "\(simulated.standardError)")
        let line = try #require(simulated.standardOutput.split(separator: "\n").first { $0.hasPrefix("checkout.new-flow ") })
        #expect(line.contains("percentage") && line.contains("25%"))
    }
}
