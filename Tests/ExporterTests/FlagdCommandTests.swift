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

    @Test("serve, simulate and push refuse a flagd file in one line instead of the seed loader's errors", arguments: ["serve", "simulate", "push"])
    func seedOnlyCommands(command: String) throws {
        let output = try CommandRunner.exporter([command, "--config.file", Self.example])
        #expect(output.status == 1)
        #expect(output.standardError == "featureflag_exporter: \(Self.example) is a flagd file; this command reads the seed format only so far (check and eval read flagd and Unleash files: docs/formats.md)\n")
    }
}
