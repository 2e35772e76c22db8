import FuzzSupport
import FlagConfig
import FlagEngine

/// The contexts each input's flags are evaluated for: made per input, not held in a global, because LeakSanitizer
/// (which libFuzzer runs at the end) reports a Swift global's heap storage as a leak.
func contexts() -> [EvaluationContext] {
    [
        EvaluationContext(),
        EvaluationContext(
            userID: "user-7", userType: "beta", environment: "staging", timestamp: 1_760_000_000,
            customAttributes: ["plan": .string("pro"), "age": .int(21)]),
    ]
}

/// libFuzzer's entry: the input is a flags file; after a line `#--- overlay` the rest is the production overlay.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFlagsFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var base = text
    var overlay: ConfigText?
    if let marker = text.firstRange(of: "\n#--- overlay\n") {
        base = String(text[..<marker.lowerBound])
        overlay = ConfigText(name: "feature_flags_production.yaml", text: String(text[marker.upperBound...]))
    }
    do {
        let loaded = try FlagConfigLoader.load(
            base: ConfigText(name: "feature_flags.yaml", text: base), overlay: overlay, environment: "production")
        let contexts = contexts()
        for definition in loaded.flagSet.definitions {
            for context in contexts { _ = loaded.flagSet.evaluate(definition.key, in: context) }
        }
    } catch {
        // Every refusal must be located: a diagnostic with a line and column inside the input.
        for diagnostic in error.diagnostics where diagnostic.location.line < 1 || diagnostic.location.column < 1 {
            fatalError("diagnostic without a location: \(diagnostic)")
        }
    }
    return 0
}

@_cdecl("FuzzFlagsFile_main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzSupport.run(argc, argv, fuzzFlagsFile)
}
