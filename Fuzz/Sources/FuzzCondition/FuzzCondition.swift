import FuzzSupport
import FlagEngine

/// A context with every attribute kind, so evaluation walks every comparison path.
let context = EvaluationContext(
    userID: "user-42", userType: "premium", environment: "production", requestID: "r-1", timestamp: 1_760_000_000,
    customAttributes: ["plan": .string("pro"), "age": .int(37), "beta": .bool(true), "country": .string("DE")])

/// libFuzzer's entry: the input is a condition's source text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCondition(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let condition = try? Condition(parsing: source) else { return 0 }
    // Evaluation must not trap, and must be a pure function of the context.
    for subject in [context, EvaluationContext()] where condition.evaluate(subject) != condition.evaluate(subject) {
        fatalError("condition evaluated two ways for one context: \(source)")
    }
    return 0
}

@_cdecl("FuzzCondition_main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzSupport.run(argc, argv, fuzzCondition)
}
