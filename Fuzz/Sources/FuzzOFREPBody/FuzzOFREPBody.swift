import FuzzSupport
import FlagConfig
import FlagEngine
import WireFormat

/// libFuzzer's entry: the input is the body of `POST /ofrep/v1/evaluate/flags`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOFREPBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard case .success(let context) = OFREPRequestBody.decode(bytes) else { return 0 }
    let flagSet = FuzzSupport.shippedFlagSet
    for definition in flagSet.definitions { _ = flagSet.evaluate(definition.key, in: context) }
    return 0
}

@_cdecl("FuzzOFREPBody_main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzSupport.run(argc, argv, fuzzOFREPBody)
}
