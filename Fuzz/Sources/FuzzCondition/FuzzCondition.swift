import FuzzSupport
import FlagEngine

/// A context with every attribute kind, so evaluation walks every comparison path. Built per input, not held in a
/// global: LeakSanitizer cannot see references inside Swift enum payloads (FuzzSupport explains), and would report a
/// global's attributes as leaked at exit.
func makeContext() -> EvaluationContext {
    EvaluationContext(
        userID: "user-42", userType: "premium", environment: "production", requestID: "r-1", timestamp: 1_760_000_000,
        customAttributes: ["plan": .string("pro"), "age": .int(37), "beta": .bool(true), "country": .string("DE")])
}

/// libFuzzer's entry: the input is a condition's source text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCondition(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let condition = try? Condition(parsing: source) else { return 0 }
    // Evaluation must not trap, and the interpreter and a compiled FlagSet rule (with its byte-compare fast path)
    // must decide alike.
    let flag = FlagDefinition(
        key: "f", state: .enabled, defaultVariant: "off",
        variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
        targetingRules: [TargetingRule(name: "rule", condition: condition, variant: "off")])
    guard let set = try? FlagSet(flags: [flag]) else { fatalError("a parsed condition was refused as a rule: \(source)") }
    for subject in [makeContext(), EvaluationContext()] {
        let outcome = set.evaluate(flagAt: 0, in: subject)
        let agrees = switch condition.evaluate(subject) {
        case .matched: outcome.reason == .targetingMatch
        case .notMatched: outcome.reason == .staticValue && outcome.conditionErrors == 0
        case .typeMismatch: outcome.reason == .staticValue && outcome.conditionErrors == 1
        }
        if !agrees { fatalError("the interpreter and the compiled rule disagree: \(source)") }
    }
    return 0
}

@_cdecl("FuzzCondition_main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzSupport.run(argc, argv, fuzzCondition)
}
