import Exporter
import FlagConfig
import FlagEngine
import Foundation
import Testing

/// The commands as a newcomer meets them: one error per problem, exit codes that mean something, and `check` and
/// `simulate` telling the same story.
@Suite("Commands: the first hour", .serialized)
struct FirstHourCommandTests {
    @Test("a missing flags file is one error naming the file, not a :1:1 per environment")
    func missingFileOnce() throws {
        let output = try CommandRunner.exporter(["check", "--config.file", "/nonexistent/feature_flags.yaml"])
        #expect(output.status == 1)
        #expect(output.standardOutput == """
            /nonexistent/feature_flags.yaml: cannot open: No such file or directory
            rejected (environment development): 1 error

            """)
    }

    @Test("eval of a flag the config does not have prints the FLAG_NOT_FOUND result and exits 1")
    func evalUnknownFlag() throws {
        let output = try CommandRunner.exporter(["eval", "no_such_flag", "--user-id", "u"])
        #expect(output.status == 1)
        #expect(output.standardOutput.contains("\"reason\":\"FLAG_NOT_FOUND\""))
        #expect(output.standardError.contains("flag 'no_such_flag' is not in config/feature_flags.yaml (environment development)"))
    }

    @Test("--attr takes the seed's Python spellings True, False and None as their values, not as text")
    func pythonSpellings() throws {
        #expect(AttributeValue(commandLine: "True") == .bool(true))
        #expect(AttributeValue(commandLine: "False") == .bool(false))
        #expect(AttributeValue(commandLine: "None") == .null)
        #expect(AttributeValue(commandLine: "true") == .bool(true))
        #expect(AttributeValue(commandLine: "\"True\"") == .string("True"))
        #expect(AttributeValue(commandLine: "Truth") == .string("Truth"))
        #expect(AttributeValue(commandLine: #"{"plan":"pro"}"#) == .object(["plan": .string("pro")]))
        #expect(AttributeValue(commandLine: #"["beta",2]"#) == .list([.string("beta"), .int(2)]))
        #expect(AttributeValue(commandLine: "[unclosed") == .string("[unclosed"))
    }

    @Test("check and simulate describe every flag the same way: disabled flags decide nothing and serve their default")
    func checkAndSimulateAgree() throws {
        for environment in ["development", "staging", "production"] {
            let check = try CommandRunner.exporter([
                "check", "--config.file", "config/feature_flags.yaml", "--environment", environment, "--output", "json",
            ])
            let simulate = try CommandRunner.exporter([
                "simulate", "--config.file", "config/feature_flags.yaml", "--environment", environment, "--users", "200",
                "--output", "json",
            ])
            guard let (_, checked) = try CommandLineTests.jsonReport(check),
                let (_, simulated) = try CommandLineTests.jsonReport(simulate)
            else { return }
            let strategies = Dictionary(uniqueKeysWithValues: simulated.compactMap { flag -> (FlagValue, FlagValue)? in
                guard case .object(let members) = flag, let key = members["flag_key"], let strategy = members["strategy"] else { return nil }
                return (key, strategy)
            })
            try #require(strategies.count == 20)
            for case .object(let flag) in checked {
                let key = try #require(flag["key"] ?? flag["flag_key"])
                #expect(flag["strategy"] == strategies[key], "\(environment) \(key): check and simulate disagree")
                if flag["state"] == .string("disabled") {
                    #expect(flag["strategy"] == .string("none"))
                    #expect(flag["served_variant"] == flag["default_variant"], "\(environment) \(key)")
                }
            }
        }
    }
}
