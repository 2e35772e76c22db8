import FlagConfig
import FlagEngine

/// The shipped config (make fuzz runs from the repository root), loaded once.
let flagSet: FlagSet = {
    do {
        return try FlagConfigLoader.load(path: "config/feature_flags.yaml", environment: "production").flagSet
    } catch {
        fatalError("FuzzMirrorLine runs from the repository root, beside config/feature_flags.yaml: \(error)")
    }
}()

/// libFuzzer's entry: the input is one line of the mirrored JSONL feed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMirrorLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let record = MirrorRecord.decode(line: bytes) else { return 0 }
    let result = flagSet.evaluate(record.flagKey, in: record.context)
    _ = record.observedVariant == result.variant
    return 0
}

/// SwiftPM links an executable's entry as `FuzzMirrorLine_main` (not `main`, which libFuzzer would provide), so it is
/// defined here and hands over to libFuzzer's driver.
@_cdecl("FuzzMirrorLine_main")
func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzMirrorLine)
}

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32
