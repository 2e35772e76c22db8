import FuzzSupport
import FlagConfig
import FlagEngine
import WireFormat

/// libFuzzer's entry: the input is one line of the mirrored JSONL feed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMirrorLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let record = MirrorRecord.decode(line: bytes) else { return 0 }
    let result = FuzzSupport.shippedFlagSet.evaluate(record.flagKey, in: record.context)
    _ = record.observedVariant == result.variant
    return 0
}

@_cdecl("FuzzMirrorLine_main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzSupport.run(argc, argv, fuzzMirrorLine)
}
