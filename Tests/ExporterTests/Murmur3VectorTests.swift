import FlagConfig
import FlagEngine
import Foundation
import Testing

/// FlagEngine's MurmurHash3 against an independent implementation: Python's mmh3 (pinned, from PyPI), over 3,000
/// inputs of every length 0..67, multi-byte UTF-8 and the seeds flagd and Unleash use.
@Suite("Murmur3 against mmh3")
struct Murmur3VectorTests {
    @Test("3,000 vectors from Python's mmh3 are bit-exact")
    func againstMMH3() throws {
        let script = CommandRunner.repositoryRoot + "/Tests/Fixtures/murmur3/mmh3_vectors.py"
        let run = try CommandRunner.run(try PythonTools.executable("python3"), [script])
        #expect(run.status == 0, "\(run.standardError)")
        var compared = 0
        for line in run.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let seed = UInt32(fields[1]), let expected = UInt32(fields[2]) else {
                throw TestFailure("unreadable vector: \(line)")
            }
            let hex = Array(fields[0].utf8)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(Murmur3.hash32(text, seed: seed) == expected, "\(text.debugDescription) seed \(seed)")
            compared += 1
        }
        #expect(compared == 3000)
    }

    @Test("flagd's fractional over 2,000 users gives the variants Python computes from flagd's formula with mmh3")
    func flagdFractional() throws {
        let script = CommandRunner.repositoryRoot + "/Tests/Fixtures/murmur3/flagd_fractional.py"
        let run = try CommandRunner.run(try PythonTools.executable("python3"), [script])
        #expect(run.status == 0, "\(run.standardError)")
        let file = #"{"flags": {"checkout-split": {"state": "ENABLED", "defaultVariant": "red","#
            + ##" "variants": {"red": "#f00", "blue": "#00f", "green": "#0f0"},"##
            + #" "targeting": {"fractional": [["red", 10], ["blue", 30], ["green", 60]]}}}}"#
        let set = try FlagdFileDecoder.decode(file, file: "split.json").flagSet
        var compared = 0
        for line in run.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            let resolved = set.resolve("checkout-split", context: EvaluationContext(userID: String(fields[0])), now: 0)
            #expect(resolved.variant == String(fields[1]), "\(fields[0])")
            compared += 1
        }
        #expect(compared == 2000)
    }

    @Test("Unleash's flexibleRollout and strategy variants over 2,000 users agree with Python's mmh3 and the spec's formulas")
    func unleashRollout() throws {
        let script = CommandRunner.repositoryRoot + "/Tests/Fixtures/murmur3/unleash_vectors.py"
        let run = try CommandRunner.run(try PythonTools.executable("python3"), [script])
        #expect(run.status == 0, "\(run.standardError)")
        let payload = """
            {"version": 2, "features": [{"name": "checkout", "enabled": true, "strategies": [{
              "name": "flexibleRollout", "parameters": {"rollout": "25", "stickiness": "default", "groupId": "checkout-rollout"},
              "variants": [{"name": "blue", "weight": 200, "stickiness": "default"}, {"name": "green", "weight": 300},
                           {"name": "red", "weight": 500}, {"name": "none", "weight": 0}]}]}]}
            """
        let set = try UnleashFileDecoder.decode(payload, file: "features.json").toggleSet
        var compared = 0, enabled = 0
        for line in run.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            let result = set.evaluate("checkout", context: UnleashContext(userID: fields[0]), now: 0, random: { 1 })
            #expect(result.enabled == (fields[1] == "true") && result.variant == fields[2], "\(fields[0])")
            compared += 1
            if result.enabled { enabled += 1 }
        }
        #expect(compared == 2000)
        #expect(abs(enabled - 500) < 70, "\(enabled) of 2000 at 25%")
    }
}
