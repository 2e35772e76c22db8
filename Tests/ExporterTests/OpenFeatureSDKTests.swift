import Foundation
import Testing

/// The real OpenFeature Python SDK with its OFREP provider (both pinned in scripts/install-python-tools.sh) against a
/// running exporter, authenticating with an API key, as an application team would use it.
@Suite("OpenFeature's Python SDK with its OFREP provider")
struct OpenFeatureSDKTests {
    @Test("boolean, string, integer, float and object flags, a missing flag, a nested context and a targeting match")
    func pythonSDK() throws {
        let directory = try TemporaryDirectory()
        let keys = try directory.write("keys", "sdk-key\n")
        let (exporter, _) = try OFREPConformanceTests.start(["--ofrep.api-key-file", keys])
        defer { exporter.stop() }
        let output = try CommandRunner.run(
            try PythonTools.executable("python3"),
            [CommandRunner.repositoryRoot + "/Tests/Fixtures/ofrep/openfeature_client.py", exporter.baseURL, "sdk-key"])
        #expect(output.status == 0, "\(output.standardError)")
        var results: [String: [String: Any]] = [:]
        for line in output.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            results[object["case"] as? String ?? "?"] = object
        }
        func expect(_ name: String, value: Any?, variant: String?, reason: String, error: String? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) {
            let result = results[name] ?? [:]
            let actual = result["value"].map { "\($0)" }
            #expect(actual == value.map { "\($0)" }, "\(name): value", sourceLocation: sourceLocation)
            #expect(result["variant"] as? String == variant, "\(name): variant", sourceLocation: sourceLocation)
            #expect(result["reason"] as? String == reason, "\(name): reason", sourceLocation: sourceLocation)
            #expect(result["error_code"] as? String == error, "\(name): error code", sourceLocation: sourceLocation)
        }
        expect("boolean", value: 1, variant: "on", reason: "STATIC")
        expect("string", value: "grey", variant: "control", reason: "SPLIT")
        expect("integer", value: 100, variant: "high", reason: "STATIC")
        expect("float", value: 1.5, variant: "high", reason: "STATIC")
        #expect((results["object"]?["value"] as? [String: Any])?["colour"] as? String == "blue")
        expect("object", value: results["object"]?["value"], variant: "on", reason: "STATIC")
        expect("missing", value: 1, variant: nil, reason: "ERROR", error: "FLAG_NOT_FOUND")
        expect("nested", value: 1, variant: "on", reason: "TARGETING_MATCH")
        #expect((results["nested"]?["metadata"] as? [String: Any])?["rule"] as? String == "pro_accounts")
        expect("targeting", value: 1, variant: "on", reason: "TARGETING_MATCH")
        expect("no_targeting_key", value: 0, variant: nil, reason: "ERROR", error: "TARGETING_KEY_MISSING")
        expect("type_mismatch", value: 0, variant: nil, reason: "ERROR", error: "TYPE_MISMATCH")
        // The flag's metadata reaches the SDK's flag_metadata.
        let metadata = results["boolean"]?["metadata"] as? [String: Any] ?? [:]
        #expect(metadata["owner"] as? String == "team-a")
        #expect(metadata["reason"] as? String == "STATIC")
        // What the SDK asked is counted as mirrored traffic.
        exporter.awaitMirrorFlush()
        #expect(try exporter.sample("feature_flag_evaluations_total", ["flag_key=\"gated\"", "source=\"mirror\"", "reason=\"TARGETING_MATCH\""]) == 2)
        #expect(try exporter.sample("feature_flag_errors_total", ["flag_key=\"percent\"", "error_type=\"targeting_key_missing\""]) == 1)
    }
}
