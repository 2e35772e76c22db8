import FlagConfig
public import FlagEngine

/// What every fuzz target shares: the hand-over to libFuzzer's driver and the shipped config.
public enum FuzzSupport {
    /// libFuzzer's per-input callback.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

    /// Runs libFuzzer's driver on `testOneInput`. SwiftPM links an executable's entry as `<Target>_main` (not
    /// `main`, which libFuzzer would provide), so each target defines that symbol and calls this.
    public static func run(
        _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ testOneInput: TestOneInput
    ) -> Int32 {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, testOneInput)
    }

    /// The shipped config in production, loaded once (make fuzz runs from the repository root).
    ///
    /// LeakSanitizer is told to ignore the allocations of this one load. The set lives to the end of the process,
    /// but the references inside it are Swift enum payloads whose case tag sits in the pointer's spare bits, so
    /// LeakSanitizer's scan cannot recognise them as pointers and reported the condition trees as 668 bytes leaked at
    /// exit. The parser itself is leak-checked on every input by FuzzCondition and FuzzFlagsFile, which free what
    /// they parse.
    public static let shippedFlagSet: FlagSet = {
        __lsan_disable()
        defer { __lsan_enable() }
        do {
            return try FlagConfigLoader.load(path: "config/feature_flags.yaml", environment: "production").flagSet
        } catch {
            fatalError("fuzz targets run from the repository root, beside config/feature_flags.yaml: \(error)")
        }
    }()
}

/// LeakSanitizer's interface (compiler-rt, linked by -sanitize=address): allocations between these two calls on this
/// thread are never reported as leaks.
@_silgen_name("__lsan_disable")
func __lsan_disable()
@_silgen_name("__lsan_enable")
func __lsan_enable()

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzSupport.TestOneInput
) -> Int32
