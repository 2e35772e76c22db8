import FlagConfig
import WireFormat
import FlagEngine
import Foundation
import Testing

/// Replays the fuzz seed corpus (Fuzz/Corpus) and every input a fuzzer ever crashed on (Fuzz/Regressions) through
/// the same steps as the libFuzzer targets of Fuzz/, so a fixed crash stays fixed without a fuzzing build.
@Suite("Fuzz regressions: the seed corpus and every crasher, replayed")
struct FuzzRegressionTests {
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        var found: [(String, [UInt8])] = []
        for folder in ["Fuzz/Corpus/", "Fuzz/Regressions/"] {
            let directory = CommandRunner.repositoryRoot + "/" + folder + target
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasPrefix(".") {
                let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
                found.append((folder + target + "/" + name, Array(data)))
            }
        }
        return found
    }

    static let shipped: FlagSet = {
        try! FlagConfigLoader.load(path: CommandRunner.repositoryRoot + "/config/feature_flags.yaml", environment: "production").flagSet
    }()

    @Test("condition: what the interpreter decides, a compiled rule of a FlagSet decides too (its byte-compare fast path included)")
    func condition() throws {
        let inputs = try Self.inputs("condition")
        #expect(inputs.count >= 10)
        let contexts = [
            EvaluationContext(
                userID: "user-42", userType: "premium", environment: "production", timestamp: 1_760_000_000,
                customAttributes: ["plan": .string("pro"), "age": .int(37)]),
            EvaluationContext(userID: "admin", userType: "admin"),
            EvaluationContext(),
        ]
        var compared = 0
        for input in inputs {
            guard let condition = try? Condition(parsing: String(decoding: input.bytes, as: UTF8.self)) else { continue }
            let flag = FlagDefinition(
                key: "f", state: .enabled, defaultVariant: "off",
                variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
                targetingRules: [TargetingRule(name: "rule", condition: condition, variant: "off")])
            let set = try FlagSet(flags: [flag])
            for context in contexts {
                let outcome = set.evaluate(flagAt: 0, in: context)
                switch condition.evaluate(context) {
                case .matched: #expect(outcome.reason == .targetingMatch && outcome.variantIndex == 1, "\(input.name)")
                case .notMatched: #expect(outcome.reason == .staticValue && outcome.conditionErrors == 0, "\(input.name)")
                case .typeMismatch: #expect(outcome.reason == .staticValue && outcome.conditionErrors == 1, "\(input.name)")
                }
                compared += 1
            }
        }
        #expect(compared >= 30)
    }

    @Test("flags file: loads or is refused with located diagnostics")
    func flagsFile() throws {
        let inputs = try Self.inputs("flags-file")
        #expect(inputs.count >= 2)
        for input in inputs {
            let text = String(decoding: input.bytes, as: UTF8.self)
            var base = text
            var overlay: ConfigText?
            if let marker = text.firstRange(of: "\n#--- overlay\n") {
                base = String(text[..<marker.lowerBound])
                overlay = ConfigText(name: "feature_flags_production.yaml", text: String(text[marker.upperBound...]))
            }
            do {
                let loaded = try FlagConfigLoader.load(
                    base: ConfigText(name: "feature_flags.yaml", text: base), overlay: overlay, environment: "production")
                for definition in loaded.flagSet.definitions { _ = loaded.flagSet.evaluate(definition.key, in: EvaluationContext()) }
            } catch {
                #expect(error.diagnostics.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 }, "\(input.name)")
            }
        }
    }

    @Test("OFREP body and mirror line: decoded or refused, then evaluated")
    func wireFormats() throws {
        for input in try Self.inputs("ofrep-body") {
            if case .success(let context) = OFREPRequestBody.decode(input.bytes) {
                for definition in Self.shipped.definitions { _ = Self.shipped.evaluate(definition.key, in: context) }
            }
        }
        var decoded = 0
        for input in try Self.inputs("mirror-line") {
            guard let record = MirrorRecord.decode(line: input.bytes) else { continue }
            decoded += 1
            _ = Self.shipped.evaluate(record.flagKey, in: record.context)
        }
        #expect(decoded >= 4)
    }

    @Test("regex: a pattern, a zero byte, a text; P|P matches what P matches, and ignoring case ignores the text's case")
    func regex() throws {
        let inputs = try Self.inputs("regex")
        #expect(inputs.count >= 6)
        var compiled = 0
        for input in inputs {
            let split = input.bytes.firstIndex(of: 0) ?? input.bytes.count
            let pattern = String(decoding: input.bytes[..<split], as: UTF8.self)
            let text = String(decoding: input.bytes[min(split + 1, input.bytes.count)...], as: UTF8.self)
            guard let regex = try? UnleashRegex(pattern) else { continue }
            compiled += 1
            // An unclosed `\Q` quotes to the end, so such a P cannot be wrapped in a group (as the fuzz target skips it).
            if !pattern.contains("\\Q") {
                #expect(try UnleashRegex("(?:\(pattern))|(?:\(pattern))").matches(text) == regex.matches(text), "\(input.name)")
            }
            let swapped = String(decoding: text.utf8.map { $0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A ? $0 ^ 0x20 : $0 }, as: UTF8.self)
            if !(pattern.contains("(?") && pattern.contains("-")) {
                let folded = try UnleashRegex(pattern, caseInsensitive: true)
                #expect(folded.matches(text) == folded.matches(swapped), "\(input.name)")
            }
        }
        #expect(compiled >= 6)
    }
}
