import Foundation
import Testing

/// flagd files from the command line: `check` and `eval` read them (detected, or with --config.format flagd); the
/// commands that read the seed format only say so in one line.
@Suite("Commands: flagd files")
struct FlagdCommandTests {
    static let example = CommandRunner.repositoryRoot + "/config/examples/flagd.flags.json"

    @Test("check detects the shipped flagd example and lists its flags; --output json says the same")
    func check() throws {
        let text = try CommandRunner.exporter(["check", "--config.file", Self.example])
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput == """
            \(Self.example): flagd format, 4 flags
              new-checkout     ENABLED   default off  variants on, off  targeting
              button-color     ENABLED   default red  variants red, blue, green  targeting
              mobile-redesign  ENABLED   default off  variants on, off  targeting
              legacy-export    DISABLED  default off  variants on, off

            """)
        let json = try CommandRunner.exporter(["check", "--config.file", Self.example, "--output", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "flagd")
        #expect((object?["flags"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
            == ["new-checkout", "button-color", "mobile-redesign", "legacy-export"])
    }

    @Test("eval resolves as flagd does: $ref, fractional, sem_ver, DEFAULT on null, DISABLED", arguments: [
        (["new-checkout", "--user-id", "user-1", "--attr", "email=ana@example.com"],
         #"{"flag_key":"new-checkout","variant":"on","value":true,"reason":"TARGETING_MATCH","error_code":null}"#, Int32(0)),
        (["mobile-redesign", "--user-id", "u", "--attr", "platform=ios-17", "--attr", "app_version=4.3.1"],
         #"{"flag_key":"mobile-redesign","variant":"on","value":true,"reason":"TARGETING_MATCH","error_code":null}"#, 0),
        (["mobile-redesign", "--user-id", "u", "--attr", "platform=ios-17", "--attr", "app_version=4.1.9"],
         #"{"flag_key":"mobile-redesign","variant":"off","value":false,"reason":"DEFAULT","error_code":null}"#, 0),
        (["legacy-export"], #"{"flag_key":"legacy-export","variant":null,"value":null,"reason":"DISABLED","error_code":null}"#, 0),
        (["no-such-flag"], #"{"flag_key":"no-such-flag","variant":null,"value":null,"reason":"ERROR","error_code":"FLAG_NOT_FOUND"}"#, 1),
    ])
    func eval(arguments: [String], line: String, status: Int32) throws {
        let output = try CommandRunner.exporter(["eval", "--config.file", Self.example] + arguments)
        #expect(output.standardOutput == line + "\n")
        #expect(output.status == status, "\(output.standardError)")
    }

    @Test("a broken flagd file is refused by check with file:line:column; --config.format seed reads it as the seed format")
    func errors() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("flags.json", """
            {"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "b"}}}
            """)
        let output = try CommandRunner.exporter(["check", "--config.file", file])
        #expect(output.status == 1)
        #expect(output.standardError.hasPrefix("\(file):1:78: flags.f.defaultVariant: names no variant of this flag (variants: a)"))
        let asSeed = try CommandRunner.exporter(["check", "--config.file", file, "--config.format", "seed", "--environment", "development"])
        #expect(asSeed.status == 1)
        #expect(asSeed.standardOutput.contains("unknown field 'defaultVariant'"))
    }

    @Test("eval --batch answers in the exporter's terms: a fractional pick is SPLIT with its bucket, a disabled flag the code default")
    func batch() throws {
        let input = [
            #"{"flag_key":"new-checkout","context":{"targetingKey":"user-1","email":"ana@example.com"}}"#,
            #"{"flag_key":"legacy-export","context":{}}"#,
            #"{"flag_key":"button-color","context":{"targetingKey":"user-2"}}"#,
        ].joined(separator: "\n") + "\n"
        let output = try CommandRunner.exporter(["eval", "--batch", "--config.file", Self.example], input: input)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput == """
            {"flag_key":"new-checkout","variant":"on","value":true,"reason":"TARGETING_MATCH"}
            {"flag_key":"legacy-export","variant":"code_default","value":null,"reason":"FLAG_DISABLED"}
            {"flag_key":"button-color","variant":"green","value":"#388e3c","reason":"SPLIT","bucket":0.8747906519565731,"rollout":"in"}

            """)
    }

    @Test("simulate measures a flagd file: fractional splits against their weights with SRM, a disabled flag at 0%")
    func simulate() throws {
        let output = try CommandRunner.exporter(["simulate", "--config.file", Self.example, "--users", "20000"])
        #expect(output.status == 0, "\(output.standardError)")
        let lines = output.standardOutput.split(separator: "\n").map(String.init)
        let split = try #require(lines.first { $0.hasPrefix("new-checkout ") })
        #expect(split.contains("split") && split.contains("on 2") && split.contains("(25/2") && split.contains("SRM p="))
        let disabled = try #require(lines.first { $0.hasPrefix("legacy-export ") })
        #expect(disabled.contains("0%") && disabled.contains("code_default 100%"))
    }

    @Test("simulate --compare: a seed 25% rollout against flagd's 25% fractional moves about 2 x 0.25 x 0.75 of users")
    func compare() throws {
        let directory = try TemporaryDirectory()
        let seed = try directory.write("flags.yaml", """
            flags:
              new-checkout:
                state: rollout
                default_variant: "off"
                variants: {on: true, off: false}
                rollout: {strategy: percentage, percentage: 25}
            """)
        let output = try CommandRunner.exporter([
            "simulate", "--config.file", seed, "--compare", Self.example, "--users", "20000", "--environment", "development",
            "--output", "json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        #expect(object["only_after"] as? [String] == ["button-color", "mobile-redesign", "legacy-export"])
        let flag = try #require((object["flags"] as? [[String: Any]])?.first)
        #expect(flag["flag_key"] as? String == "new-checkout")
        let changes = try #require(flag["value_changes"] as? Int)
        // Two independent hashes: 37.5% of users change, within 1.5 points over 20,000 users.
        #expect(abs(Double(changes) / 20_000 - 0.375) < 0.015, "\(changes)")
        #expect((flag["moves"] as? [[String: Any]])?.compactMap { $0["from"] as? String }.sorted() == ["off", "on"])
    }
}
