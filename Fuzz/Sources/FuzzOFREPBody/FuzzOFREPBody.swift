import FlagConfig
import FlagEngine

/// The shipped config (make fuzz runs from the repository root), loaded once.
let flagSet: FlagSet = {
    do {
        return try FlagConfigLoader.load(path: "config/feature_flags.yaml", environment: "production").flagSet
    } catch {
        fatalError("FuzzOFREPBody runs from the repository root, beside config/feature_flags.yaml: \(error)")
    }
}()

/// libFuzzer's entry: the input is the body of `POST /ofrep/v1/evaluate/flags`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOFREPBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard case .success(let context) = OFREPRequestBody.decode(bytes) else { return 0 }
    for definition in flagSet.definitions { _ = flagSet.evaluate(definition.key, in: context) }
    return 0
}

/// SwiftPM links an executable's entry as `FuzzOFREPBody_main` (not `main`, which libFuzzer would provide), so it is
/// defined here and hands over to libFuzzer's driver.
@_cdecl("FuzzOFREPBody_main")
func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOFREPBody)
}

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32
